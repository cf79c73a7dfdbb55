import NIOCore

/// Splits a byte stream into lines, for NDJSON (Ollama) and server-sent events (OpenAI).
///
/// Lines end with `\n`; a `\r` before it is dropped, so `\r\n` works too (both formats allow it).
struct ByteLineSplitter: Sendable {
    /// Thrown when a line grows past the limit without ending.
    struct LineTooLong: Error, CustomStringConvertible {
        var limit: Int
        var description: String { "a line exceeded \(limit) bytes" }
    }

    private var pending = ByteBuffer()
    private let maxLineBytes: Int

    /// Creates a splitter.
    ///
    /// - Parameter maxLineBytes: The longest line accepted. Default 4 MiB.
    init(maxLineBytes: Int = 4 << 20) {
        self.maxLineBytes = maxLineBytes
    }

    /// Adds bytes and returns the lines they complete.
    mutating func append(_ buffer: ByteBuffer) throws(LineTooLong) -> [String] {
        var buffer = buffer
        pending.writeBuffer(&buffer)
        var lines: [String] = []
        while let newline = pending.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - pending.readerIndex
            var line = pending.readString(length: length) ?? ""
            pending.moveReaderIndex(forwardBy: 1)
            if line.utf8.last == UInt8(ascii: "\r") { line.removeLast() }
            lines.append(line)
        }
        guard pending.readableBytes <= maxLineBytes else { throw LineTooLong(limit: maxLineBytes) }
        pending.discardReadBytes()
        return lines
    }

    /// Returns the last line when the stream ended without a final newline.
    mutating func finish() -> String? {
        guard pending.readableBytes > 0 else { return nil }
        defer { pending.clear() }
        let line = pending.readString(length: pending.readableBytes) ?? ""
        return line.hasSuffix("\r") ? String(line.dropLast()) : line
    }
}

/// Collects the `data` of server-sent events from their lines, following the WHATWG HTML
/// "event stream interpretation": `data:` lines accumulate (joined by `\n`), a blank line
/// dispatches the event, lines starting with `:` are comments, other fields are ignored.
struct SSEEventParser: Sendable {
    private var data: [Substring] = []

    /// Feeds one line; returns the data of the event a blank line completes.
    mutating func consume(line: String) -> String? {
        if line.isEmpty { return dispatch() }
        if line.hasPrefix(":") { return nil }
        let field: Substring
        var value: Substring
        if let colon = line.firstIndex(of: ":") {
            field = line[..<colon]
            value = line[line.index(after: colon)...]
            if value.hasPrefix(" ") { value = value.dropFirst() }
        } else {
            field = line[...]
            value = ""
        }
        if field == "data" { data.append(value) }
        return nil
    }

    /// Returns the data of an event the stream ended in the middle of.
    mutating func finish() -> String? {
        dispatch()
    }

    private mutating func dispatch() -> String? {
        defer { data.removeAll() }
        return data.isEmpty ? nil : data.joined(separator: "\n")
    }
}
