import Hummingbird
import NIOCore

/// The request context of the simulator's router: the basic context plus the connection's
/// channel, which the connection-reset fault closes.
struct SimulatorRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    /// The connection the request came on.
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.channel = source.channel
    }
}
