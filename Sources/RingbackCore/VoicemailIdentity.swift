import Crypto
import Foundation

/// The stable key of one voicemail: the PBX's own id (Asterisk `msg_id`, FreeSWITCH uuid) when it gives one, else
/// the SHA-256 of the audio bytes.
///
/// Never the filename: Asterisk renumbers `msgNNNN` when messages are deleted or moved.
public struct VoicemailIdentity: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Source: String, Sendable, Codable {
        case asteriskMessageID = "msg_id"
        case freeswitchUUID = "uuid"
        case contentHash = "sha256"
        /// A missed call from the call records: the PBX's id of the call (Asterisk `linkedid`), or number and time.
        case callRecord = "cdr"
    }

    public var source: Source
    public var value: String

    public init(source: Source, value: String) {
        self.source = source
        self.value = value
    }

    /// The PBX's own id told apart from another PBX's on a shared ledger (`msg_id:site-b/1790054687-00000006`): two
    /// PBXs count messages alike. A content hash is the same whichever machine reads the audio, and is kept as it is.
    public func within(_ namespace: String?) -> VoicemailIdentity {
        guard let namespace, source != .contentHash else { return self }
        return VoicemailIdentity(source: source, value: "\(namespace)/\(value)")
    }

    /// `msg_id:1790054687-00000006` or `sha256:ab12…`: what the ledger stores.
    public var key: String { "\(source.rawValue):\(value)" }
    public var description: String { key }

    /// Short, filename- and Message-ID-safe token derived from the key.
    public var token: String {
        SHA256.hash(data: Data(key.utf8)).prefix(12).map { String(format: "%02x", $0) }.joined()
    }
}
