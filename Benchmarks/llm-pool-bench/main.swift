// Micro-benchmarks of llm-pool's hot paths; see scripts/bench-*.sh.
//
//   llm-pool-bench metrics [--scale F]   metrics registry: observe, increment, render

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

let arguments = Array(CommandLine.arguments.dropFirst())
let usage = """
    usage: llm-pool-bench <benchmark> [options]
      metrics [--scale F]   registry hot paths and /metrics rendering (F scales the operation counts, default 1)
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
default:
    print(usage)
    exit(arguments.first == nil || arguments.first == "help" ? 0 : 2)
}
