import Crypto
public import Foundation
public import RingbackCore

extension VoicemailIdentity {
    /// Hashes a file in 64 KiB blocks (its first `limit` bytes when given): memory stays flat for any size.
    public static func contentHash(of url: URL, upTo limit: Int64? = nil) throws(IntakeError) -> VoicemailIdentity {
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw .unreadable(path: url.path, reason: "cannot open for reading")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        do {
            var left = limit ?? .max
            while left > 0, let block = try handle.read(upToCount: Int(min(64 * 1024, left))), !block.isEmpty {
                hasher.update(data: block)
                left -= Int64(block.count)
            }
        } catch {
            throw .unreadable(path: url.path, reason: "read failed: \(error.localizedDescription)")
        }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return VoicemailIdentity(source: .contentHash, value: digest)
    }
}
