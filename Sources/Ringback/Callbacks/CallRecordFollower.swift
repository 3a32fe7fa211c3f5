import Foundation

/// Follows the PBX's call-record file as it grows, across rotation and truncation, returning whole new lines.
///
/// The open handle keeps reading the file it opened even after logrotate renames it, so the lines written just
/// before a rotation are not lost; then the new file at the path is read from its start. Where it stopped (inode
/// and offset) is kept in the ledger, so a restart resumes instead of reading the year's records again.
///
/// Confined to one task (the watcher's loop, or one CLI run).
final class CallRecordFollower {
    struct Cursor: Equatable {
        var inode: UInt64
        var offset: UInt64
    }

    let path: String
    private var handle: FileHandle?
    private var current: Cursor?
    private var partial = Data()

    init(path: String, resumeAt cursor: Cursor?) {
        self.path = path
        self.current = cursor
    }

    deinit { try? handle?.close() }

    /// Where the next read starts, for the ledger: before any half-written line, so a restart reads it whole.
    var cursor: Cursor? { current.map { Cursor(inode: $0.inode, offset: $0.offset - UInt64(partial.count)) } }

    /// Whether the last read reached the end of what is there: when false, call again for more.
    private(set) var caughtUp = true

    /// Up to `limit` bytes of lines appended since the last call, so memory stays flat however big the file. A line
    /// still being written (no newline yet) waits for the next call.
    func readNewLines(limit: Int = 1 << 20) -> [Substring] {
        if handle == nil { open(resuming: true) }
        var text = readChunk(limit)
        // Rotated (a new inode at the path) or truncated (shorter than what was read): start on the new file.
        if caughtUp, let now = Self.inode(of: path), let reading = current, now.inode != reading.inode || now.size < reading.offset {
            try? handle?.close()
            handle = nil
            partial.removeAll()
            open(resuming: false)
            text.append(readChunk(limit))
        }
        guard !text.isEmpty else { return [] }
        var buffer = partial + text
        partial.removeAll()
        if let lastNewline = buffer.lastIndex(of: UInt8(ascii: "\n")) {
            partial = buffer[buffer.index(after: lastNewline)...]
            buffer = buffer[..<lastNewline]
        } else {
            partial = buffer
            return []
        }
        return String(decoding: buffer, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true)
    }

    private func open(resuming: Bool) {
        guard let status = Self.inode(of: path), let opened = FileHandle(forReadingAtPath: path) else { return }
        var start: UInt64 = 0
        if resuming, let saved = current, saved.inode == status.inode, saved.offset <= status.size { start = saved.offset }
        try? opened.seek(toOffset: start)
        handle = opened
        current = Cursor(inode: status.inode, offset: start)
    }

    private func readChunk(_ limit: Int) -> Data {
        guard let handle, let data = try? handle.read(upToCount: limit), !data.isEmpty else {
            caughtUp = true
            return Data()
        }
        current?.offset += UInt64(data.count)
        caughtUp = data.count < limit
        return data
    }

    private static func inode(of path: String) -> (inode: UInt64, size: UInt64)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (UInt64(info.st_ino), UInt64(info.st_size))
    }
}
