import Foundation

/// What the configuration file and its prompt files looked like when last read: for each path,
/// its size, modification time and a hash of its bytes (`nil` when the file could not be read).
///
/// The reloader compares fingerprints to tell a real change from noise: an editor's swap file
/// written next to the configuration, a `touch` that changes nothing, or the second event of a
/// write-then-rename. The hash uses `Hasher`, seeded per process, which is all a comparison
/// within one process needs.
struct ConfigFingerprint: Sendable, Equatable {
    /// The state of one file.
    struct FileState: Sendable, Equatable {
        var size: Int
        var modified: Date
        var contentHash: Int
    }

    /// The state of every file, by path; `nil` for a missing or unreadable file.
    var files: [String: FileState?]

    /// Reads the current state of `paths` (symbolic links are followed, as Kubernetes ConfigMap
    /// volumes need: the file is a link into a `..data` folder that is swapped on update).
    init(paths: [String]) {
        var files: [String: FileState?] = [:]
        for path in paths {
            files[path] = Self.state(of: path)
        }
        self.files = files
    }

    /// Whether the files both fingerprints describe are in the same state. Paths only one of them
    /// knows are ignored: they name prompts that the other configuration did not use.
    func agrees(with other: ConfigFingerprint) -> Bool {
        files.allSatisfy { path, state in
            guard let otherState = other.files[path] else { return true }
            return state == otherState
        }
    }

    private static func state(of path: String) -> FileState? {
        let manager = FileManager.default
        // `attributesOfItem` describes a link itself, not its target.
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let attributes = try? manager.attributesOfItem(atPath: resolved),
            let contents = manager.contents(atPath: resolved)
        else { return nil }
        var hasher = Hasher()
        contents.withUnsafeBytes { hasher.combine(bytes: $0) }
        return FileState(
            size: (attributes[.size] as? NSNumber)?.intValue ?? contents.count,
            modified: attributes[.modificationDate] as? Date ?? .distantPast,
            contentHash: hasher.finalize()
        )
    }
}
