"""Orders, allocation, waves, pick routing, packing and shipping (the fulfillment issue)."""
