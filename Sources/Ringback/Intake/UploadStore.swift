import Crypto
import Foundation
import RingbackCore

#if canImport(Glibc)
    import Glibc
#endif

/// A pushed voicemail stored in its intake folder so that nothing acknowledged is lost: the audio is written to a
/// hidden `.part` file (no reader takes it) while it is hashed, then flushed to disk; the metadata is written and
/// renamed into place first, the audio last (its arrival is what a reader acts on), and the folder itself flushed, all
/// before the upload is acknowledged. A retried upload lands on the same names with the same bytes.
final class UploadStore {
    let folder: URL
    private let part: URL
    private let handle: FileHandle
    private var hasher = SHA256()
    private(set) var size: Int64 = 0
    private var finished = false

    init(folder: URL) throws(IntakeError) {
        self.folder = folder
        part = folder.appendingPathComponent(".upload-\(UUID().uuidString).part")
        guard FileManager.default.createFile(atPath: part.path, contents: nil, attributes: [.posixPermissions: 0o640]),
            let handle = try? FileHandle(forWritingTo: part)
        else { throw .unreadable(path: part.path, reason: "cannot create the upload's file in \(folder.path)") }
        self.handle = handle
    }

    deinit {
        if !finished { discard() }
    }

    func write(_ bytes: [UInt8]) throws(IntakeError) {
        do {
            try handle.write(contentsOf: bytes)
        } catch {
            throw .unreadable(path: part.path, reason: "write failed: \(error.localizedDescription)")
        }
        hasher.update(data: bytes)
        size += Int64(bytes.count)
    }

    /// What the ledger will call this recording when it carries no message id: SHA-256 of its bytes.
    var contentIdentity: VoicemailIdentity {
        VoicemailIdentity(source: .contentHash, value: hasher.finalize().map { String(format: "%02x", $0) }.joined())
    }

    /// Flushes the audio, writes `sidecar` (if any) as `stem.sidecarExtension`, then renames the audio to
    /// `stem.audioExtension`, and flushes the folder.
    func commit(stem: String, audioExtension: String, sidecar: [UInt8], sidecarExtension: String) throws(IntakeError) {
        let audio = folder.appendingPathComponent("\(stem).\(audioExtension)")
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw .unreadable(path: part.path, reason: "cannot flush the upload to disk: \(error.localizedDescription)")
        }
        if !sidecar.isEmpty {
            let target = folder.appendingPathComponent("\(stem).\(sidecarExtension)")
            let temporary = folder.appendingPathComponent(".upload-\(UUID().uuidString).part")
            guard FileManager.default.createFile(atPath: temporary.path, contents: Data(sidecar), attributes: [.posixPermissions: 0o640]),
                let sidecarHandle = try? FileHandle(forWritingTo: temporary)
            else { throw .unreadable(path: target.path, reason: "cannot write the upload's metadata") }
            try? sidecarHandle.synchronize()
            try? sidecarHandle.close()
            try Self.rename(temporary, to: target)
        }
        try Self.rename(part, to: audio)
        finished = true
        let directory = open(folder.path, O_RDONLY | O_DIRECTORY)
        if directory >= 0 {
            _ = fsync(directory)
            _ = close(directory)
        }
    }

    /// Removes the `.part` files of uploads a crash cut short (older than an hour: none is still being written).
    static func sweep(_ folder: URL, now: Date) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return }
        for name in names where name.hasPrefix(".upload-") && name.hasSuffix(".part") {
            let path = folder.appendingPathComponent(name).path
            guard let stamp = FileStamp(URL(fileURLWithPath: path)), now.timeIntervalSince1970 - stamp.modifiedAt > 3600 else { continue }
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    func discard() {
        finished = true
        try? handle.close()
        try? FileManager.default.removeItem(at: part)
    }

    /// rename(2): atomic, and replaces an earlier upload of the same message.
    private static func rename(_ from: URL, to: URL) throws(IntakeError) {
        guard Glibc.rename(from.path, to.path) == 0 else {
            throw .unreadable(path: to.path, reason: "cannot move the upload into place: \(String(cString: strerror(errno)))")
        }
    }
}
