import Foundation
import Hummingbird

/// The simulator's own API, for tests in another process:
/// - `GET /_simulator/stats`: ``SimulatorStats`` as JSON.
/// - `GET /_simulator/models/{name}/faults`: the model's ``SimulatorFaults``.
/// - `PUT /_simulator/models/{name}/faults`: replaces them (JSON body, missing keys default);
///   answers the faults now in force.
/// - `DELETE /_simulator/models/{name}/faults`: clears them.
/// - `GET|PUT|DELETE /_simulator/models/{name}/behavior`: the same for the model's
///   ``SimulatorBehavior`` (`behaviour` is accepted too).
struct AdminRoutes: Sendable {
    let core: SimulatorCore

    func register(on router: Router<SimulatorRequestContext>) {
        let admin = router.group("/_simulator")
        admin.get("stats") { _, _ in
            SimulatorJSON.response(status: 200, SimulatorJSON.buffer(core.stats))
        }
        admin.get("models/{name}/faults") { _, context in
            let name = try modelName(context)
            guard let faults = core.faults(for: name) else { return unknown(name) }
            return SimulatorJSON.response(status: 200, SimulatorJSON.buffer(faults))
        }
        admin.put("models/{name}/faults") { request, context in
            let name = try modelName(context)
            let faults: SimulatorFaults
            do {
                var request = request
                faults = try SimulatorJSON.decode(
                    SimulatorFaults.self,
                    from: try await request.collectBody(upTo: 1 << 16)
                )
                try faults.validate()
            } catch {
                return failure(400, "invalid faults: \(error)")
            }
            return set(faults, for: name)
        }
        admin.delete("models/{name}/faults") { _, context in
            set(.none, for: try modelName(context))
        }
        for spelling in ["behavior", "behaviour"] {
            registerBehavior(on: admin, path: "models/{name}/\(spelling)")
        }
    }

    private func registerBehavior(on admin: RouterGroup<SimulatorRequestContext>, path: RouterPath) {
        admin.get(path) { _, context in
            let name = try modelName(context)
            guard let behavior = core.behavior(for: name) else { return unknown(name) }
            return SimulatorJSON.response(status: 200, SimulatorJSON.buffer(behavior))
        }
        admin.put(path) { request, context in
            let name = try modelName(context)
            let behavior: SimulatorBehavior
            do {
                var request = request
                behavior = try SimulatorJSON.decode(
                    SimulatorBehavior.self,
                    from: try await request.collectBody(upTo: 1 << 16)
                )
                try behavior.validate()
            } catch {
                return failure(400, "invalid behavior: \(error)")
            }
            return set(behavior, for: name)
        }
        admin.delete(path) { _, context in
            set(SimulatorBehavior.polite, for: try modelName(context))
        }
    }

    private func set(_ behavior: SimulatorBehavior, for name: String) -> Response {
        guard core.setBehavior(behavior, for: name) else { return unknown(name) }
        return SimulatorJSON.response(status: 200, SimulatorJSON.buffer(behavior))
    }

    private func set(_ faults: SimulatorFaults, for name: String) -> Response {
        guard core.setFaults(faults, for: name) else { return unknown(name) }
        return SimulatorJSON.response(status: 200, SimulatorJSON.buffer(faults))
    }

    /// The `{name}` path parameter, percent-decoded (clients may encode the `:` of `phi3:mini`).
    private func modelName(_ context: SimulatorRequestContext) throws -> String {
        let raw = try context.parameters.require("name")
        return raw.removingPercentEncoding ?? raw
    }

    private func unknown(_ name: String) -> Response {
        failure(404, "model '\(name)' not found")
    }

    private func failure(_ status: Int, _ message: String) -> Response {
        struct Failure: Encodable { var error: String }
        return SimulatorJSON.response(status: status, SimulatorJSON.buffer(Failure(error: message)))
    }
}
