import Foundation
import Hummingbird
import LLMPoolProto
import SwiftProtobuf
import Testing
import Tracing

@testable import LLMPoolObservability

extension TracingTests {
    @Suite("OTLPHTTPExporter", .timeLimit(.minutes(1)))
    struct OTLPHTTPExporterTests {
        typealias Request = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest

        static let retryAfterZero: HTTPFields = [.retryAfter: "0"]

        @Test("a 503 with Retry-After: 0 is retried, then the body decodes")
        func retriesThenDelivers() async throws {
            let receiver = OTLPReceiver(script: [(.serviceUnavailable, Self.retryAfterZero)])
            try await receiver.withRunning { baseURL in
                let exporter = try OTLPHTTPExporter(configuration: .testing(endpoint: baseURL))
                try await exporter.export([.fixture("POST /v1/infer")])
                await exporter.shutdown()
            }
            let received = receiver.received
            #expect(received.count == 2)
            #expect(received.last?.headers[.contentType] == "application/x-protobuf")
            #expect(received.last?.headers[.contentEncoding] == nil)
            let request = try Request(serializedBytes: try #require(received.last).body)
            let span = try #require(request.resourceSpans.first?.scopeSpans.first?.spans.first)
            #expect(span.name == "POST /v1/infer")
            #expect(span.traceID == Data(TraceID(high: 1, low: 1).bytes))
            #expect(request.resourceSpans.first?.scopeSpans.first?.scope.name == "llm-pool")
        }

        @Test("gzip bodies are valid gzip", .enabled(if: GzipTool.path != nil))
        func gzip() async throws {
            let receiver = OTLPReceiver(script: [])
            try await receiver.withRunning { baseURL in
                var configuration = TracingConfiguration.testing(endpoint: baseURL)
                configuration.gzip = true
                let exporter = try OTLPHTTPExporter(configuration: configuration)
                try await exporter.export((1...50).map { .fixture("span \($0)", index: UInt64($0)) })
                await exporter.shutdown()
            }
            let received = try #require(receiver.received.first)
            #expect(received.headers[.contentEncoding] == "gzip")
            let request = try Request(serializedBytes: try GzipTool.decompress(received.body))
            #expect(request.resourceSpans.first?.scopeSpans.first?.spans.map(\.name) == (1...50).map { "span \($0)" })
        }

        @Test("a 400 is not retried and is reported with its status")
        func nonRetryable() async throws {
            let receiver = OTLPReceiver(script: [(.badRequest, [:]), (.ok, [:])])
            try await receiver.withRunning { baseURL in
                let exporter = try OTLPHTTPExporter(configuration: .testing(endpoint: baseURL))
                await #expect {
                    try await exporter.export([.fixture("rejected")])
                } throws: { error in
                    (error as? SpanExportError)?.httpStatus == 400
                }
                await exporter.shutdown()
            }
            #expect(receiver.received.count == 1)
        }

        @Test("retries stop when the next one would pass the export timeout")
        func retriesBounded() async throws {
            let receiver = OTLPReceiver(script: [(.tooManyRequests, [.retryAfter: "3600"])])
            try await receiver.withRunning { baseURL in
                let exporter = try OTLPHTTPExporter(configuration: .testing(endpoint: baseURL))
                await #expect {
                    try await exporter.export([.fixture("throttled")])
                } throws: { error in
                    (error as? SpanExportError)?.httpStatus == 429
                }
                await exporter.shutdown()
            }
            #expect(receiver.received.count == 1)
        }

        @Test("after shutdown an export fails without sending")
        func afterShutdown() async throws {
            let exporter = try OTLPHTTPExporter(configuration: .testing(endpoint: "http://127.0.0.1:9"))
            await exporter.shutdown()
            await #expect {
                try await exporter.export([.fixture("late")])
            } throws: { error in
                (error as? SpanExportError)?.code == .transport
            }
        }

        @Test("the URL is <endpoint>/v1/traces, or the traces endpoint as is")
        func url() throws {
            var configuration = TracingConfiguration.testing(endpoint: "http://collector:4318/")
            #expect(try OTLPHTTPExporter(configuration: configuration).url == "http://collector:4318/v1/traces")
            configuration.tracesEndpoint = "https://collector.example/custom/traces"
            #expect(try OTLPHTTPExporter(configuration: configuration).url == "https://collector.example/custom/traces")
            configuration.tracesEndpoint = "collector:4318"
            #expect(throws: TracingConfigurationError.self) { try OTLPHTTPExporter(configuration: configuration) }
        }
    }
}

/// The system `gzip`, as an independent decoder of what ``Gzip`` produces.
enum GzipTool {
    static let path = ["/usr/bin/gzip", "/bin/gzip"].first { FileManager.default.isExecutableFile(atPath: $0) }

    static func decompress(_ bytes: [UInt8]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(path))
        process.arguments = ["-dc"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(bytes))
        try input.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return Array(data)
    }
}
