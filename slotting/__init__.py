"""Storage location assignment with OR-Tools (the slotting issue)."""
