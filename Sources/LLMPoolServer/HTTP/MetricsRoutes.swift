import HTTPTypes
import Hummingbird
import LLMPoolObservability
import NIOCore

/// `GET /metrics`: the registry in the Prometheus text format 0.0.4, or in OpenMetrics 1.0 (with
/// exemplars) when the `Accept` header asks for `application/openmetrics-text`.
struct MetricsRoutes {
    let registry: MetricsRegistry

    func register(on router: Router<PoolRequestContext>) {
        router.get("/metrics") { request, _ in
            let format = MetricsRegistry.contentType(forAccept: request.headers[.accept])
            let text = registry.render(format: format)
            var headers = HTTPFields()
            headers[.contentType] = format.contentType
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}
