#if canImport(Glibc)
    import Foundation
    import Glibc
    import Synchronization

    /// Reports changes to a set of files through Linux inotify(7).
    ///
    /// The files' folders are watched rather than the files: editors that save by writing a new file
    /// and renaming it over the old one replace the file's inode, which a watch on the file itself
    /// would lose. Only events naming a watched file are reported, plus those naming `..data`: a
    /// Kubernetes ConfigMap volume is updated by renaming a new `..data` link over the old one, the
    /// files being links through it. Other files in the folders (logs, editors' swap files) are
    /// ignored, so a busy folder cannot hold a reload back.
    ///
    /// The inotify descriptor is read on a thread of its own, blocked in poll(2), because Swift
    /// concurrency runs on the NIO event loops in this process and must never block.
    final class InotifyWatcher: Sendable {
        private struct Watches {
            var folders: Set<String> = []
            var names: Set<String> = ["..data"]
        }

        private let inotify: Int32
        /// A pipe whose read end is polled with the inotify descriptor: a byte written to it ends the
        /// thread.
        private let wakeRead: Int32
        private let wakeWrite: Int32
        private let watches = Mutex(Watches())

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

        /// Reports changes to the file at `path` from now on.
        /// - Returns: Whether its folder is watched.
        @discardableResult
        func watch(file path: String) -> Bool {
            let url = URL(fileURLWithPath: path)
            let folder = url.deletingLastPathComponent().path
            return watches.withLock { watches in
                watches.names.insert(url.lastPathComponent)
                if watches.folders.contains(folder) { return true }
                let mask = UInt32(
                    IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_MODIFY | IN_ATTRIB
                )
                guard inotify_add_watch(inotify, folder, mask) >= 0 else { return false }
                watches.folders.insert(folder)
                return true
            }
        }

        /// Calls `onChange` after every batch of events naming a watched file, until the calling task
        /// is cancelled.
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
            var buffer = [UInt8](repeating: 0, count: 16 * 1024)
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
                var relevant = false
                while true {
                    let count = read(inotify, &buffer, buffer.count)
                    guard count > 0 else { break }
                    relevant = relevant || concernsWatchedFile(buffer[..<count])
                }
                if relevant { onChange() }
            }
        }

        /// Whether a batch of `struct inotify_event` records (inotify(7): `wd`, `mask`, `cookie`,
        /// `len`, then `len` bytes of NUL-padded name) names a watched file, or overflowed.
        private func concernsWatchedFile(_ events: ArraySlice<UInt8>) -> Bool {
            let names = watches.withLock { $0.names }
            let header = MemoryLayout<inotify_event>.size
            var offset = events.startIndex
            while offset + header <= events.endIndex {
                let (mask, length) = events.withUnsafeBytes { raw in
                    (
                        raw.loadUnaligned(fromByteOffset: offset - events.startIndex + 4, as: UInt32.self),
                        Int(raw.loadUnaligned(fromByteOffset: offset - events.startIndex + 12, as: UInt32.self))
                    )
                }
                if mask & UInt32(IN_Q_OVERFLOW) != 0 { return true }
                let nameBytes = events[(offset + header)..<min(offset + header + length, events.endIndex)].prefix {
                    $0 != 0
                }
                if names.contains(String(decoding: nameBytes, as: UTF8.self)) { return true }
                offset += header + length
            }
            return false
        }
    }
#endif
