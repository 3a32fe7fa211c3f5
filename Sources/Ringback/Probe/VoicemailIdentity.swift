import Crypto
public import Foundation

/// The stable key of one voicemail: the PBX's own id (Asterisk `msg_id`, FreeSWITCH uuid) when it gives one, else
/// the SHA-256 of the audio bytes.
///
/// Never the filename: Asterisk renumbers `msgNNNN` when messages are deleted or moved.
public struct VoicemailIdentity: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Source: String, Sendable, Codable {
        case asteriskMessageID = "msg_id"
        case freeswitchUUID = "uuid"
        case contentHash = "sha256"
    }

    public var source: Source
    public var value: String

    public init(source: Source, value: String) {
        self.source = source
        self.value = value
    }

    /// `msg_id:1790054687-00000006` or `sha256:ab12…`: what the ledger stores.
    public var key: String { "\(source.rawValue):\(value)" }
    public var description: String { key }

    /// Short, filename- and Message-ID-safe token derived from the key.
    public var token: String {
        SHA256.hash(data: Data(key.utf8)).prefix(12).map { String(format: "%02x", $0) }.joined()
    }

    /// Hashes a file in 64 KiB blocks: memory stays flat for any size.
    public static func contentHash(of url: URL) throws(IntakeError) -> VoicemailIdentity {
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw .unreadable(path: url.path, reason: "cannot open for reading")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        do {
            while let block = try handle.read(upToCount: 64 * 1024), !block.isEmpty {
                hasher.update(data: block)
            }
        } catch {
            throw .unreadable(path: url.path, reason: "read failed: \(error.localizedDescription)")
        }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return VoicemailIdentity(source: .contentHash, value: digest)
    }
}
