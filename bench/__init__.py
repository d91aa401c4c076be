"""Benchmarks: `make bench` runs them, prints the figures and saves them in
bench/results/. Speed is reported as ratios to a baseline measured in the
same run, because the machines they run on are noisy."""
