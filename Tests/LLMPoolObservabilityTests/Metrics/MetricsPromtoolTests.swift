import Foundation
import Testing

@testable import LLMPoolObservability

/// The exposition as Prometheus itself reads it: `promtool check metrics` parses the text format
/// and lints names, units and HELP. Runs where promtool is installed (Debian: `prometheus`).
@Suite("Metrics through promtool")
struct MetricsPromtoolTests {
    static let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    @Test(.enabled(if: promtool != nil, "promtool is not installed"))
    func promtoolAcceptsTheExposition() throws {
        let registry = MetricsRegistry()
        ProcessMetricsCollector.install(on: registry)
        let calls = registry.counter(
            name: "llm_pool_provider_calls_total",
            help: "Provider calls by outcome.",
            labelNames: ["provider", "outcome"]
        )
        calls.labels("phi3-mini", "ok").increment(by: 12)
        calls.labels("weird \"name\"\n\\", "error").increment()
        let latency = registry.histogram(
            name: "llm_pool_provider_latency_seconds",
            help: "Provider call latency.",
            unit: "seconds",
            labelNames: ["provider"]
        )
        latency.labels("phi3-mini").observe(
            0.3,
            exemplar: Exemplar(traceID: "0af7651916cd43dd8448eb211c80319c", spanID: "b7ad6b7169203331", value: 0.3)
        )
        registry.gauge(name: "llm_pool_in_flight_requests", help: "Requests being served.").labels().set(3)
        let narrow = registry.gauge(name: "llm_pool_narrow", help: "Folds.", labelNames: ["k"], seriesLimit: 1)
        narrow.labels("a").set(1)
        narrow.labels("b").set(2)

        let (status, output) = try run(
            Self.promtool!,
            ["check", "metrics"],
            input: registry.render(format: .prometheus)
        )
        #expect(status == 0, "\(output)")
        #expect(output.isEmpty, "\(output)")
    }

    private func run(_ path: String, _ arguments: [String], input: String) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stdout
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
