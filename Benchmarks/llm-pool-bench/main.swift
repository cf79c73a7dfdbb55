// Micro-benchmarks of llm-pool's hot paths; see scripts/bench-*.sh.
print("llm-pool-bench: no benchmarks yet")
