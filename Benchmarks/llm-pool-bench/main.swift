// Micro-benchmarks of llm-pool's hot paths; see scripts/bench-*.sh.
//
//   llm-pool-bench metrics [--scale F]   metrics registry: observe, increment, render
//   llm-pool-bench hedging [--requests N] [--concurrency C]   FASTEST p50/p99 with and without hedging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

let arguments = Array(CommandLine.arguments.dropFirst())
let usage = """
    usage: llm-pool-bench <benchmark> [options]
      metrics [--scale F]   registry hot paths and /metrics rendering (F scales the operation counts, default 1)
      hedging [--requests N] [--concurrency C]   FASTEST p50/p99 without hedging, with a static delay and
                            with the measured p95, and the extra upstream requests (default 2000 requests, 32 at a time)
    """

switch arguments.first {
case "metrics":
    var scale = 1.0
    if let index = arguments.firstIndex(of: "--scale") {
        guard index + 1 < arguments.count, let value = Double(arguments[index + 1]), value > 0 else {
            print(usage)
            exit(2)
        }
        scale = value
    }
    await MetricsBenchmark(scale: scale).run()
case "hedging":
    var benchmark = HedgingBenchmark()
    for (flag, value) in zip(arguments.dropFirst(), arguments.dropFirst(2)) {
        switch (flag, Int(value)) {
        case ("--requests", let count?) where count >= 100: benchmark.requests = count
        case ("--concurrency", let count?) where count >= 1: benchmark.concurrency = count
        default: continue
        }
    }
    try await benchmark.run()
default:
    print(usage)
    exit(arguments.first == nil || arguments.first == "help" ? 0 : 2)
}
