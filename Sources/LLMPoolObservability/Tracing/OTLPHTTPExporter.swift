import AsyncHTTPClient
import Foundation
import LLMPoolProto
import Logging
import NIOCore
import NIOHTTP1
import SwiftProtobuf
import Synchronization

/// Exports spans to an OpenTelemetry collector over OTLP/HTTP: a protobuf
/// `ExportTraceServiceRequest` POSTed to ``TracingConfiguration/tracesURL`` with
/// `Content-Type: application/x-protobuf`, gzip-compressed when configured.
///
/// Retries follow the OTLP/HTTP specification: 429, 502, 503 and 504 answers (and failures to
/// connect) are retried after the `Retry-After` seconds the collector asks for, or after an
/// exponential backoff with jitter, until the export timeout would be passed. Every span carries
/// the process's resource (`service.name`, `service.version`, `service.instance.id` and the configured
/// attributes) under the instrumentation scope `llm-pool`.
public final class OTLPHTTPExporter: SpanExporter {
    /// Delays between attempts when the collector gives no `Retry-After`.
    public struct Backoff: Sendable, Hashable {
        /// The delay before the first retry. Default 1 s.
        public var initial: Duration
        /// The longest delay. Default 5 s.
        public var maximum: Duration

        /// Creates a backoff policy; each retry doubles the delay, with jitter of up to half of it.
        public init(initial: Duration = .seconds(1), maximum: Duration = .seconds(5)) {
            self.initial = initial
            self.maximum = maximum
        }
    }

    /// Where spans are POSTed.
    public let url: String
    private let encoder: OTLPTraceEncoder
    private let headers: HTTPHeaders
    private let gzip: Bool
    private let timeout: Duration
    private let backoff: Backoff
    private let logger: Logger
    private let client: Mutex<(client: HTTPClient?, isShutDown: Bool)>
    private let ownsClient: Bool

    /// Creates an exporter.
    ///
    /// - Parameters:
    ///   - configuration: The URL, headers, gzip flag, export timeout and resource attributes.
    ///   - httpClient: The client to send with. Default: one the exporter creates on first use, with
    ///     tracing turned off (so exports do not record spans of their own), and shuts down in ``shutdown()``.
    ///   - backoff: Delays between retries without `Retry-After`.
    ///   - logger: Where partial successes reported by the collector are logged.
    /// - Throws: ``TracingConfigurationError`` when the URL is not http or https.
    public init(
        configuration: TracingConfiguration,
        httpClient: HTTPClient? = nil,
        backoff: Backoff = .init(),
        logger: Logger = Logger(label: "llm-pool.tracing")
    ) throws(TracingConfigurationError) {
        let url = configuration.tracesURL
        guard let parsed = URL(string: url), let scheme = parsed.scheme?.lowercased(),
            ["http", "https"].contains(scheme),
            parsed.host?.isEmpty == false
        else {
            throw .invalidValue(key: "tracing.endpoint", "must be an http:// or https:// URL, got \"\(url)\"")
        }
        self.url = url
        self.encoder = OTLPTraceEncoder(configuration: configuration)
        var headers = HTTPHeaders()
        for (name, value) in configuration.headers.sorted(by: { $0.key < $1.key }) {
            headers.add(name: name, value: value)
        }
        headers.replaceOrAdd(name: "Content-Type", value: "application/x-protobuf")
        headers.replaceOrAdd(name: "User-Agent", value: "llm-pool-otlp-exporter")
        if configuration.gzip { headers.replaceOrAdd(name: "Content-Encoding", value: "gzip") }
        self.headers = headers
        self.gzip = configuration.gzip
        self.timeout = configuration.batch.exportTimeout
        self.backoff = backoff
        self.logger = logger
        self.client = Mutex((httpClient, false))
        self.ownsClient = httpClient == nil
    }

    /// The serialized (uncompressed) `ExportTraceServiceRequest` for `batch`.
    ///
    /// - Throws: When protobuf serialization fails.
    public func encode(_ batch: [FinishedSpan]) throws -> [UInt8] {
        try encoder.encode(batch)
    }

    /// Sends one batch, retrying as described on the type, within the export timeout.
    ///
    /// - Throws: ``SpanExportError``: `httpStatus` for a non-retryable or last answer, `timeout`
    ///   when no attempt succeeded in time, `transport` when the collector could not be reached.
    public func export(_ batch: [FinishedSpan]) async throws {
        guard !batch.isEmpty else { return }
        var body: [UInt8]
        do {
            body = try encoder.encode(batch)
        } catch {
            throw SpanExportError(code: .encoding, message: "cannot serialize \(batch.count) spans", cause: error)
        }
        if gzip { body = Gzip.compress(body) }
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers = headers
        request.body = .bytes(ByteBuffer(bytes: body))

        // Bounded by the deadline; the attempt cap is a second guard against a zero delay loop.
        for attempt in 0..<64 {
            let (failure, retryAfter) = try await send(request, deadline: deadline, batchSize: batch.count)
            guard let failure else { return }
            let delay = retryAfter ?? jitteredBackoff(attempt: attempt)
            guard clock.now + delay < deadline else { throw failure }
            try await clock.sleep(for: delay)
        }
        throw SpanExportError(code: .timeout, message: "gave up after 64 attempts")
    }

    /// One POST: `nil` on success, else the failure and the delay the collector asked for.
    ///
    /// - Throws: A non-retryable failure, or cancellation.
    private func send(
        _ request: HTTPClientRequest,
        deadline: ContinuousClock.Instant,
        batchSize: Int
    ) async throws -> (failure: SpanExportError?, retryAfter: Duration?) {
        let response: HTTPClientResponse
        do {
            response = try await httpClient().execute(request, timeout: TimeAmount(deadline - .now))
        } catch let error as SpanExportError {
            throw error
        } catch {
            if Task.isCancelled { throw error }
            return (SpanExportError(code: .transport, message: "cannot reach \(url)", cause: error), nil)
        }
        let responseBody = try? await response.body.collect(upTo: 1 << 20)
        let status = Int(response.status.code)
        if (200..<300).contains(status) {
            reportPartialSuccess(responseBody, batchSize: batchSize)
            return (nil, nil)
        }
        let failure = SpanExportError(code: .httpStatus, message: "collector answered \(status)", httpStatus: status)
        // OTLP/HTTP: only these statuses are retryable; Retry-After is honoured in its seconds form.
        guard [429, 502, 503, 504].contains(status) else { throw failure }
        let retryAfter = response.headers.first(name: "Retry-After").flatMap { Int($0) }.map {
            Duration.seconds(max(0, $0))
        }
        return (failure, retryAfter)
    }

    /// Shuts down the HTTP client the exporter created, if any; later exports fail.
    public func shutdown() async {
        let client = self.client.withLock { state in
            state.isShutDown = true
            return state.client.take()
        }
        guard ownsClient, let client else { return }
        try? await client.shutdown()
    }

    private func httpClient() throws(SpanExportError) -> HTTPClient {
        try client.withLock { (state) throws(SpanExportError) -> HTTPClient in
            guard !state.isShutDown else {
                throw SpanExportError(code: .transport, message: "the exporter is shut down")
            }
            if let client = state.client { return client }
            var configuration = HTTPClient.Configuration()
            configuration.tracing.tracer = nil
            let created = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            state.client = created
            return created
        }
    }

    private func jitteredBackoff(attempt: Int) -> Duration {
        let exponential = backoff.initial * (1 << min(attempt, 16))
        let capped = min(exponential, backoff.maximum)
        return capped * Double.random(in: 0.5...1)
    }

    private func reportPartialSuccess(_ body: ByteBuffer?, batchSize: Int) {
        guard let body, body.readableBytes > 0,
            let response = try? Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceResponse(
                serializedBytes: Array(buffer: body)
            ),
            response.hasPartialSuccess,
            response.partialSuccess.rejectedSpans > 0 || !response.partialSuccess.errorMessage.isEmpty
        else { return }
        logger.warning(
            "collector rejected part of a span batch",
            metadata: [
                "rejected_spans": "\(response.partialSuccess.rejectedSpans)",
                "spans": "\(batchSize)",
                "error": "\(response.partialSuccess.errorMessage)",
            ]
        )
    }
}
