import LLMPoolCore
import LLMPoolObservability
import Logging

enum Bootstrap {
    /// Sets up swift-log once: JSON lines or plain text, at the configured level.
    static func logging(_ configuration: LoggingConfiguration) {
        let level = Logger.Level(rawValue: configuration.level) ?? .info
        if configuration.format == "json" {
            LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: level) }
        } else {
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardOutput(label: label)
                handler.logLevel = level
                return handler
            }
        }
    }
}
