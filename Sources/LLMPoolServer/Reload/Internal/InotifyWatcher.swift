#if canImport(Glibc)
import Foundation
import Glibc
import Synchronization

/// Reports changes inside a set of folders through Linux inotify(7).
///
/// Folders are watched rather than files: editors that save by writing a new file and renaming it
/// over the old one, and Kubernetes ConfigMap volumes that swap a `..data` symbolic link, replace
/// the file's inode, which a watch on the file itself would lose. Every event in a watched folder
/// is reported; the caller decides whether the files it cares about changed.
///
/// The inotify descriptor is read on a thread of its own, blocked in poll(2), because Swift
/// concurrency runs on the NIO event loops in this process and must never block.
final class InotifyWatcher: Sendable {
    private let inotify: Int32
    /// A pipe whose read end is polled with the inotify descriptor: a byte written to it ends the
    /// thread.
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let watched = Mutex<Set<String>>([])

    /// Creates the inotify instance, or returns `nil` when the kernel refuses one (no inotify,
    /// or `fs.inotify.max_user_instances` reached).
    init?() {
        let inotify = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard inotify >= 0 else { return nil }
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else {
            close(inotify)
            return nil
        }
        for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        self.inotify = inotify
        self.wakeRead = pipeEnds[0]
        self.wakeWrite = pipeEnds[1]
    }

    deinit {
        close(inotify)
        close(wakeRead)
        close(wakeWrite)
    }

    /// Adds a watch on `directory` (once per folder).
    /// - Returns: Whether the folder is watched.
    @discardableResult
    func watch(directory: String) -> Bool {
        watched.withLock { watched in
            if watched.contains(directory) { return true }
            let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB)
            guard inotify_add_watch(inotify, directory, mask) >= 0 else { return false }
            watched.insert(directory)
            return true
        }
    }

    /// Calls `onChange` after every batch of events until the calling task is cancelled.
    func run(onChange: @escaping @Sendable () -> Void) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let thread = Thread {
                    self.readEvents(onChange: onChange)
                    continuation.resume()
                }
                thread.name = "llm-pool.config-watch"
                thread.start()
            }
        } onCancel: {
            // The pipe keeps the byte, so a thread that has not reached poll(2) yet still sees it.
            var byte: UInt8 = 1
            _ = write(wakeWrite, &byte, 1)
        }
    }

    private func readEvents(onChange: @Sendable () -> Void) {
        var descriptors = [
            pollfd(fd: inotify, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
        ]
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            descriptors[0].revents = 0
            descriptors[1].revents = 0
            let ready = poll(&descriptors, 2, -1)
            if ready < 0 {
                if errno == EINTR { continue }
                return
            }
            if descriptors[1].revents != 0 { return }
            guard descriptors[0].revents != 0 else { continue }
            // The events themselves are not parsed: which file changed is decided by comparing
            // fingerprints, so draining the queue is enough.
            var drained = false
            while read(inotify, &buffer, buffer.count) > 0 { drained = true }
            if drained { onChange() }
        }
    }
}
#endif
