import Foundation
import HTTPTypes
import Hummingbird
import LLMPoolCore
import NIOCore

/// The live console and its data, when `console.enabled`:
/// - `GET /console`: the page (HTML, CSS and JavaScript from the binary, nothing fetched elsewhere);
/// - `GET /v1/admin/state`: ``ConsoleState`` as JSON;
/// - `GET /v1/admin/decisions?limit=N&after=SEQ`: ``DecisionsResponse``;
/// - `GET /v1/admin/events?interval_ms=1000&count=N`: server-sent events, an `event: state` (the
///   state) and an `event: decisions` (the decisions not sent yet, oldest first) every interval
///   (200 ms to 60 s), `count` times or for an hour at most (`EventSource` reconnects).
///
/// Protected like `/metrics` (`security.protect_metrics`). The state is computed per request,
/// so a pool nobody watches does none of this work.
struct ConsoleRoutes {
    /// Every path served here.
    static let paths: Set<String> = ["/console", "/v1/admin/state", "/v1/admin/decisions", "/v1/admin/events"]
    /// How long one event stream lasts before the server ends it.
    static let streamLifetime: Duration = .seconds(3600)

    let builder: ConsoleStateBuilder

    func register(on router: Router<PoolRequestContext>) {
        router.get("/console") { _, context in
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            headers[.cacheControl] = "no-cache"
            headers[.requestID] = context.requestID
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ConsolePage.buffer))
        }
        router.get("/v1/admin/state") { _, context in
            let data = try ConsoleStateBuilder.encoder.encode(await builder.state())
            return HTTPJSON.response(data: data, requestID: context.requestID)
        }
        router.get("/v1/admin/decisions") { request, context in
            let query = request.uri.queryParameters
            let limit = query["limit"].flatMap { Int($0) }.map { max(0, $0) } ?? .max
            let after = query["after"].flatMap { UInt64($0) } ?? 0
            let ring = builder.console.decisions
            let response = DecisionsResponse(
                version: 1,
                capacity: ring?.capacity ?? 0,
                total: ring?.totalRecorded ?? 0,
                decisions: builder.decisions(limit: limit, after: after)
            )
            return HTTPJSON.response(
                data: try ConsoleStateBuilder.encoder.encode(response),
                requestID: context.requestID
            )
        }
        router.get("/v1/admin/events") { request, context in
            let interval = request.uri.queryParameters["interval_ms"].flatMap { Int($0) }.map {
                Duration.milliseconds(min(max($0, 200), 60_000))
            }
            let count = request.uri.queryParameters["count"].flatMap { Int($0) }.map { max(1, $0) }
            return events(every: interval ?? .seconds(1), count: count, requestID: context.requestID)
        }
    }

    /// The event stream: ends when the client goes away (a failed write), when the request is
    /// cancelled, after `count` rounds or after ``streamLifetime``.
    private func events(every interval: Duration, count: Int?, requestID: String) -> Response {
        let builder = self.builder
        let encoder = ConsoleStateBuilder.encoder
        let rounds = min(count ?? .max, Int(Self.streamLifetime / interval))
        return Response(
            status: .ok,
            headers: HTTPJSON.sseHeaders(requestID: requestID),
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "retry: 1000\n\n"))
                var sent: UInt64 = 0
                for round in 0..<rounds {
                    if round > 0 { try await Task.sleep(for: interval) }
                    let state = try encoder.encode(await builder.state())
                    try await writer.write(SSE.event(state, name: "state"))
                    let fresh = builder.decisions(limit: 100, after: sent)
                    if let newest = fresh.first?.sequence {
                        sent = newest
                        try await writer.write(
                            SSE.event(try encoder.encode(Array(fresh.reversed())), name: "decisions")
                        )
                    }
                }
                try await writer.finish(nil)
            }
        )
    }
}
