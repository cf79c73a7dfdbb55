#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads of this process's `/proc/self` files (Linux; `proc(5)`). Everything returns `nil` where
/// the file is missing (other systems) or unreadable.
enum ProcSelf {
    /// Fields of `/proc/self/stat` the process metrics use.
    struct Stat: Equatable {
        /// User plus system CPU time, in clock ticks (fields 14 and 15).
        var cpuTicks: UInt64
        /// Start time after boot, in clock ticks (field 22).
        var startTicks: UInt64
        /// Virtual memory size in bytes (field 23).
        var virtualBytes: UInt64
        /// Resident set size in pages (field 24).
        var residentPages: UInt64
    }

    /// Parses `/proc/self/stat` text. The command name (field 2) is in parentheses and may hold
    /// spaces, so fields are counted from after its closing `)`.
    static func parseStat(_ text: String) -> Stat? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        // After ")": field 3 (state) is at index 0, so field N is at index N - 3.
        let fields = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        func field(_ number: Int) -> UInt64? {
            let index = number - 3
            return index < fields.count ? UInt64(fields[index].trimmingNewlines()) : nil
        }
        guard let user = field(14), let system = field(15), let start = field(22), let virtual = field(23),
            let resident = field(24)
        else {
            return nil
        }
        return Stat(cpuTicks: user + system, startTicks: start, virtualBytes: virtual, residentPages: resident)
    }

    /// The soft "Max open files" limit from `/proc/self/limits` text; `nil` when unlimited.
    static func parseMaxOpenFiles(_ text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix("Max open files") {
            let columns = line.dropFirst("Max open files".count).split(separator: " ", omittingEmptySubsequences: true)
            return columns.first.flatMap { Double($0) }
        }
        return nil
    }

    /// The `btime` line of `/proc/stat`: boot time in seconds since the Unix epoch.
    static func parseBootTime(_ text: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst("btime ".count).trimmingNewlines())
        }
        return nil
    }

    /// The whole of a small file. procfs files report a size of 0, so this reads until EOF.
    static func read(_ path: String) -> String? {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glue.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 { return nil }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Entries of `/proc/self/fd`: the open file descriptors (including the one reading it).
    static func openFileDescriptors() -> Int? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { name in
                name[0] == UInt8(ascii: ".") && (name[1] == 0 || (name[1] == UInt8(ascii: ".") && name[2] == 0))
            }
            if !isDot { count += 1 }
        }
        return count
    }

    static var clockTicksPerSecond: Double { Double(sysconf(Int32(_SC_CLK_TCK))) }
    static var pageSize: Double { Double(sysconf(Int32(_SC_PAGESIZE))) }
}

/// `read(2)`, named apart from `ProcSelf.read(_:)`.
private enum Glue {
    static func read(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
        #if canImport(Glibc)
            Glibc.read(descriptor, buffer, count)
        #elseif canImport(Musl)
            Musl.read(descriptor, buffer, count)
        #else
            Darwin.read(descriptor, buffer, count)
        #endif
    }
}

extension Substring {
    fileprivate func trimmingNewlines() -> Substring {
        var trimmed = self
        while trimmed.last == "\n" || trimmed.last == " " { trimmed.removeLast() }
        return trimmed
    }
}
