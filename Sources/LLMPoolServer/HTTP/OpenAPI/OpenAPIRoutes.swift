import Foundation
import Hummingbird

/// `GET /openapi.json`: the OpenAPI 3.1 document of the HTTP API (`docs/openapi.yaml`, embedded by
/// `scripts/generate-openapi.sh`). Open like `/healthz`: it describes the API, it does not use it.
struct OpenAPIRoutes {
    /// The document's bytes, encoded once.
    static let document = Data(OpenAPIDocument.json.utf8)

    func register(on router: Router<PoolRequestContext>) {
        router.get("/openapi.json") { _, context in
            HTTPJSON.response(data: Self.document, requestID: context.requestID)
        }
    }
}
