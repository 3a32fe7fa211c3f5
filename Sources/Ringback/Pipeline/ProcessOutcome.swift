/// What happened to one file, for the one line per file `reprocess` prints and its `--json`.
public struct ProcessOutcome: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        /// The card went out in this run.
        case notified
        /// Already notified earlier (or the same voicemail in another format): nothing sent.
        case skipped
        /// Transcription or mail failed; kept in the ledger and retried later.
        case pending
        /// Bad input: quarantined with a reason.
        case rejected
        /// `--dry-run`: what would happen.
        case planned
        /// The PBX has not finished writing the message (no Asterisk `.txt`, no FreeSWITCH row yet).
        case waiting
    }

    public var path: String
    public var status: Status
    public var voicemailID: Int64?
    public var key: String?
    public var caller: String?
    public var durationMs: Int64?
    public var dueAt: String?
    public var detail: String
    public var errorCode: String?

    public init(path: String, status: Status, voicemailID: Int64? = nil, key: String? = nil, caller: String? = nil,
                durationMs: Int64? = nil, dueAt: String? = nil, detail: String, errorCode: String? = nil) {
        self.path = path
        self.status = status
        self.voicemailID = voicemailID
        self.key = key
        self.caller = caller
        self.durationMs = durationMs
        self.dueAt = dueAt
        self.detail = detail
        self.errorCode = errorCode
    }

    /// A failure for the batch's exit status.
    public var isFailure: Bool { status == .pending || status == .rejected }
}
