import Foundation
import Logging
import Synchronization

/// A swift-log handler writing one JSON object per line: `ts`, `level`, `logger`, `msg`, then the
/// metadata (`request_id`, `task`, `trace_id`, …) as top-level fields.
///
/// ```swift
/// LoggingSystem.bootstrap { JSONLogHandler(label: $0, level: .info) }
/// ```
public struct JSONLogHandler: LogHandler {
    /// Where lines go; shared by every handler so lines never interleave.
    public final class Sink: Sendable {
        private let lock = Mutex(())
        private let handle: FileHandle

        /// A sink writing to a file handle.
        public init(handle: FileHandle) { self.handle = handle }

        /// Standard output.
        public static let standardOutput = Sink(handle: .standardOutput)

        func write(_ data: Data) {
            lock.withLock { _ in handle.write(data) }
        }
    }

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let sink: Sink

    /// Creates a handler.
    public init(
        label: String,
        level: Logger.Level = .info,
        sink: Sink = .standardOutput,
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.label = label
        self.logLevel = level
        self.sink = sink
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var object: [String: Any] = [
            "ts": Self.timestamp(),
            "level": event.level.rawValue,
            "logger": label,
            "msg": event.message.description,
        ]
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        for (key, value) in merged { object[key] = Self.json(value) }
        if event.level >= .error {
            object["source"] = "\(event.file):\(event.line)"
        }
        guard
            var data = try? JSONSerialization.data(
                withJSONObject: object,
                options: [.sortedKeys, .withoutEscapingSlashes]
            )
        else { return }
        data.append(0x0A)
        sink.write(data)
    }

    private static func json(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let string): return string
        case .stringConvertible(let convertible):
            if let number = convertible as? Int { return number }
            if let number = convertible as? Double { return number }
            if let flag = convertible as? Bool { return flag }
            return convertible.description
        case .array(let array): return array.map(json)
        case .dictionary(let dictionary): return dictionary.mapValues(json)
        }
    }

    private static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var time = tm()
        var seconds = now.tv_sec
        gmtime_r(&seconds, &time)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
            time.tm_year + 1900,
            time.tm_mon + 1,
            time.tm_mday,
            time.tm_hour,
            time.tm_min,
            time.tm_sec,
            now.tv_nsec / 1_000_000
        )
    }
}
