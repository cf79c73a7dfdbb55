/// Lowercase hexadecimal for the whole package: trace and span ids (W3C Trace Context), HMAC
/// digests and signatures, nonces.
package enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Two lowercase digits a byte.
    package static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// 16 lowercase digits, most significant first.
    package static func encode(_ value: UInt64) -> String {
        String(unsafeUninitializedCapacity: 16) { buffer in
            for index in 0..<16 {
                buffer[index] = digits[Int(value >> UInt64(60 - 4 * index) & 0xF)]
            }
            return 16
        }
    }

    /// 2 lowercase digits.
    package static func encode(_ value: UInt8) -> String {
        String(decoding: [digits[Int(value >> 4)], digits[Int(value & 0xF)]], as: UTF8.self)
    }

    /// Decodes upper- or lowercase hex to bytes; `nil` for odd lengths or other characters.
    package static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(utf8[index], uppercase: true), let low = value(utf8[index + 1], uppercase: true)
            else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    /// Parses 1 to 16 lowercase digits; `nil` on any other character (W3C Trace Context allows
    /// only `[0-9a-f]`).
    package static func parse(_ utf8: ArraySlice<UInt8>) -> UInt64? {
        guard !utf8.isEmpty, utf8.count <= 16 else { return nil }
        var result: UInt64 = 0
        for byte in utf8 {
            guard let nibble = value(byte, uppercase: false) else { return nil }
            result = result << 4 | UInt64(nibble)
        }
        return result
    }

    /// The 8 big-endian bytes of `value`, as ids travel in OTLP.
    package static func bytes(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: value >> UInt64(56 - 8 * $0)) }
    }

    /// The big-endian number in up to 8 `bytes`.
    package static func uint64(_ bytes: some Collection<UInt8>) -> UInt64 {
        bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }

    private static func value(_ c: UInt8, uppercase: Bool) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F") where uppercase: return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
