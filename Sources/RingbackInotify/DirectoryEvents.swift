import CRingbackInotify
import Dispatch
import Foundation

/// Recursive inotify watch over folders. Owns the inotify descriptor and a wake-up eventfd, closed in `deinit`.
///
/// Waiting happens on a Dispatch thread in `poll(2)`, so an idle watcher costs no CPU and never holds one of
/// Swift concurrency's cooperative threads. One task consumes events at a time; `wake()` is safe from any thread.
public final class DirectoryEvents: @unchecked Sendable {
    public enum Event: Sendable, Equatable {
        /// A file was closed after writing or renamed into a watched folder, or something that is never written (a
        /// symbolic link, a FIFO, a socket) was created there.
        case file(String)
        /// A folder appeared (created or moved in): it is now watched too; its contents must be scanned.
        case directory(String)
        /// The kernel dropped events: only a full rescan is safe.
        case overflow
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public let path: String
        public let reason: String
        public var description: String { "\(path): cannot watch with inotify: \(reason)" }
    }

    private let descriptor: Int32
    private let wakeDescriptor: Int32
    private let lock = NSLock()
    private var folders: [Int32: String] = [:]

    public init() throws(Failure) {
        let descriptor = CRingbackInotify_init()
        guard descriptor >= 0 else { throw Failure(path: "inotify", reason: Self.lastError()) }
        let wake = CRingbackInotify_eventfd()
        guard wake >= 0 else {
            close(descriptor)
            throw Failure(path: "eventfd", reason: Self.lastError())
        }
        self.descriptor = descriptor
        self.wakeDescriptor = wake
    }

    deinit {
        close(descriptor)
        close(wakeDescriptor)
    }

    /// Watches `root` and every folder below it; returns the folders now watched. Symlinks are not followed.
    @discardableResult
    public func watch(recursively root: String) throws(Failure) -> [String] {
        var added: [String] = []
        var stack = [root]
        var visited = Set<String>()
        while let folder = stack.popLast() {
            let resolved = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
            guard visited.insert(resolved).inserted else { continue }
            try add(folder)
            added.append(folder)
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for entry in entries where !entry.hasPrefix(".") {
                let child = folder + "/" + entry
                var isDirectory: ObjCBool = false
                let attributes = try? FileManager.default.attributesOfItem(atPath: child)
                guard (attributes?[.type] as? FileAttributeType) == .typeDirectory,
                    FileManager.default.fileExists(atPath: child, isDirectory: &isDirectory), isDirectory.boolValue
                else { continue }
                stack.append(child)
            }
        }
        return added
    }

    private func add(_ folder: String) throws(Failure) {
        let wd = inotify_add_watch(descriptor, folder, CRingbackInotify_watchMask())
        guard wd >= 0 else { throw Failure(path: folder, reason: Self.lastError()) }
        lock.withLock { folders[wd] = folder }
    }

    /// Waits up to `timeout` (forever when nil) for events; returns them, or nothing on timeout or `wake()`.
    public func next(timeout: Duration?) async -> [Event] {
        let milliseconds: Int32 =
            timeout.map { duration in
                let (seconds, attoseconds) = duration.components
                return Int32(clamping: max(0, seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1))
            } ?? -1
        let (ready, woken) = await withCheckedContinuation { continuation in
            DispatchQueue.global().async { [descriptor, wakeDescriptor] in
                var ready: Int32 = 0
                var woken: Int32 = 0
                _ = CRingbackInotify_wait(descriptor, wakeDescriptor, milliseconds, &ready, &woken)
                continuation.resume(returning: (ready != 0, woken != 0))
            }
        }
        if woken {
            var counter: UInt64 = 0
            _ = read(wakeDescriptor, &counter, 8)
        }
        return ready ? drain() : []
    }

    /// Interrupts a `next` in progress (graceful shutdown).
    public func wake() {
        var one: UInt64 = 1
        _ = write(wakeDescriptor, &one, 8)
    }

    private func drain() -> [Event] {
        var events: [Event] = []
        let capacity = 64 * 1024
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let count = read(descriptor, buffer, capacity)
            guard count > 0 else { break }
            var offset = 0
            while offset + 16 <= count {
                let wd = buffer.load(fromByteOffset: offset, as: Int32.self)
                let mask = buffer.load(fromByteOffset: offset + 4, as: UInt32.self)
                let nameLength = Int(buffer.load(fromByteOffset: offset + 12, as: UInt32.self))
                let name = nameLength == 0 ? "" : String(cString: buffer.advanced(by: offset + 16).assumingMemoryBound(to: CChar.self))
                offset += 16 + nameLength
                events += interpret(wd: wd, mask: mask, name: name)
            }
        }
        return events
    }

    private func interpret(wd: Int32, mask: UInt32, name: String) -> [Event] {
        if mask & CRingbackInotify_overflow() != 0 { return [.overflow] }
        if mask & CRingbackInotify_ignored() != 0 {
            lock.withLock { _ = folders.removeValue(forKey: wd) }
            return []
        }
        guard let folder = lock.withLock({ folders[wd] }), !name.isEmpty else { return [] }
        let path = folder + "/" + name
        if mask & CRingbackInotify_isDirectory() != 0 {
            guard mask & (CRingbackInotify_create() | CRingbackInotify_movedTo()) != 0, !name.hasPrefix(".") else { return [] }
            let added = (try? watch(recursively: path)) ?? []
            return added.map(Event.directory)
        }
        if mask & (CRingbackInotify_closeWrite() | CRingbackInotify_movedTo()) != 0 { return [.file(path)] }
        if mask & CRingbackInotify_create() != 0 {
            // A regular file is reported when it is closed; anything else never will be.
            var status = stat()
            if lstat(path, &status) == 0, status.st_mode & S_IFMT != S_IFREG { return [.file(path)] }
        }
        return []
    }

    private static func lastError() -> String {
        String(cString: strerror(CRingbackInotify_errno()))
    }
}
