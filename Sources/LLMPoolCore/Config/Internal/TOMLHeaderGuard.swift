/// Finds a table header whose key starts with a character no key can start with (`[!x]`,
/// `[[ .x]]`, `[é]`: toml++ takes bare keys in ASCII only, `[` at the end of a line) before the
/// TOML parser sees it: toml++ (TOMLKit's parser)
/// asserts on those in `parse_table_header` instead of reporting an error — an abort in debug
/// builds, undefined behaviour in release — so a typo in a reloaded file could take the server
/// down. Found by `scripts/fuzz.sh`.
///
/// Only lines that are table headers are looked at: a `[` that starts a line outside any string
/// (multi-line ones included), comment or array value.
enum TOMLHeaderGuard {
    /// Where the offending character is: 1-based line and column.
    struct Fault: Equatable, Sendable {
        var line: Int
        var column: Int
        /// The character, or `nil` for a line break.
        var character: Character?

        /// The message a ``ConfigurationError`` carries.
        var message: String {
            let what = character.map { "'\($0)'" } ?? "a line break"
            return "TOML syntax error: a table header's key cannot start with \(what) (column \(column))"
        }
    }

    /// The first table header whose key starts with an invalid character, `nil` when there is none.
    static func firstInvalidHeader(in text: String) -> Fault? {
        var scanner = Scanner(Array(text.unicodeScalars))
        return scanner.run()
    }

    private struct Scanner {
        let s: [Unicode.Scalar]
        var i = 0
        var line = 1
        var lineStart = 0
        var depth = 0  // open arrays and inline tables of a value
        var atLineStart = true
        var inHeader = false

        init(_ scalars: [Unicode.Scalar]) { s = scalars }

        mutating func run() -> Fault? {
            while i < s.count {
                let c = s[i]
                if c == "\n" {
                    newline()
                    continue
                }
                if atLineStart, c == " " || c == "\t" || c == "\r" {
                    i += 1
                    continue
                }
                if atLineStart, depth == 0, c == "[" {
                    atLineStart = false
                    inHeader = true
                    if let fault = checkHeader() { return fault }
                    i += 1
                    continue
                }
                atLineStart = false
                switch c {
                case "#": skip(until: "\n")
                case "\"": skipString(quote: "\"", escapes: true)
                case "'": skipString(quote: "'", escapes: false)
                case "[", "{": if !inHeader { depth += 1 }
                case "]", "}": if !inHeader { depth = max(0, depth - 1) }
                default: break
                }
                i += 1
            }
            return nil
        }

        /// At a header's `[`: what follows `[` or `[[` and blanks must be able to start a key.
        private func checkHeader() -> Fault? {
            var j = i + 1
            func blanks() { while j < s.count, s[j] == " " || s[j] == "\t" { j += 1 } }
            blanks()
            if j < s.count, s[j] == "[" {
                j += 1
                blanks()
            }
            guard j < s.count else { return nil }  // the parser reports the end of input itself
            let c = s[j]
            let startsKey =
                c == "]" || c == "\"" || c == "'" || c == "_" || c == "-"
                || ("0"..."9").contains(c) || ("a"..."z").contains(c) || ("A"..."Z").contains(c)
            guard !startsKey else { return nil }
            return Fault(line: line, column: j - lineStart + 1, character: c == "\n" ? nil : Character(c))
        }

        private mutating func newline() {
            i += 1
            line += 1
            lineStart = i
            atLineStart = true
            inHeader = false
        }

        /// Moves `i` onto the next `terminator` (or the end).
        private mutating func skip(until terminator: Unicode.Scalar) {
            while i + 1 < s.count, s[i + 1] != terminator { i += 1 }
        }

        private func isTriple(_ quote: Unicode.Scalar, at index: Int) -> Bool {
            index + 2 < s.count && s[index] == quote && s[index + 1] == quote && s[index + 2] == quote
        }

        /// From an opening quote, moves `i` onto the closing one; multi-line strings count their lines.
        private mutating func skipString(quote: Unicode.Scalar, escapes: Bool) {
            if isTriple(quote, at: i) {
                i += 3
                while i < s.count, !isTriple(quote, at: i) {
                    if escapes, s[i] == "\\", i + 1 < s.count { i += 1 }
                    if s[i] == "\n" {
                        line += 1
                        lineStart = i + 1
                    }
                    i += 1
                }
                // A closing run may be four or five quotes long: the last three close it.
                while i + 3 < s.count, s[i + 3] == quote { i += 1 }
                i += 2
                return
            }
            i += 1
            while i < s.count, s[i] != quote, s[i] != "\n" {
                if escapes, s[i] == "\\" { i += 1 }
                i += 1
            }
            if i < s.count, s[i] == "\n" { i -= 1 }  // unterminated: let the line end be seen
        }
    }
}
