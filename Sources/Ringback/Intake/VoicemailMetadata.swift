public import Foundation
public import RingbackCore

/// What the PBX says about a message, from whichever place its layout keeps it.
public struct VoicemailMetadata: Sendable, Codable, Equatable {
    public var caller: CallerID
    /// When the call came in; nil means "use the file's mtime".
    public var receivedAt: Date?
    /// `sidecar`, `database`, `json`, `pattern`, `info`, or `mtime`.
    public var receivedSource: String
    /// The PBX's own stable id (Asterisk `msg_id`, FreeSWITCH uuid); the content hash is used when there is none.
    public var identity: VoicemailIdentity?
    public var mailbox: String?
    /// Asterisk voicemail context, or FreeSWITCH domain.
    public var context: String?
    /// Asterisk folder (`INBOX`, `Old`, `Urgent`…).
    public var folder: String?
    public var isUrgent: Bool
    /// The file the details came from, if any.
    public var sidecarPath: String?
    /// Every raw key the PBX wrote, for `ringback probe`.
    public var fields: [String: String]

    public init(
        caller: CallerID = .unknown, receivedAt: Date? = nil, receivedSource: String = "mtime", identity: VoicemailIdentity? = nil,
        mailbox: String? = nil, context: String? = nil, folder: String? = nil, isUrgent: Bool = false, sidecarPath: String? = nil,
        fields: [String: String] = [:]
    ) {
        self.caller = caller
        self.receivedAt = receivedAt
        self.receivedSource = receivedSource
        self.identity = identity
        self.mailbox = mailbox
        self.context = context
        self.folder = folder
        self.isUrgent = isUrgent
        self.sidecarPath = sidecarPath
        self.fields = fields
    }
}
