/// What happened to one file, for the one line per file `reprocess` prints and its `--json`.
public struct ProcessOutcome: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable {
        /// The card went out in this run.
        case notified
        /// A transcript that missed the card went out in this run as a reply to it.
        case followedUp = "followed_up"
        /// Already notified earlier (or the same voicemail in another format): nothing sent.
        case skipped
        /// Transcription or mail failed; kept in the ledger and retried later.
        case pending
        /// The mail server refused it for good (5xx, an untrusted certificate): recorded in the outbox, not retried
        /// until `ringback outbox retry ID`.
        case failed
        /// Bad input: quarantined with a reason.
        case rejected
        /// `--dry-run`: what would happen.
        case planned
        /// The PBX has not finished writing the message (no Asterisk `.txt`, no FreeSWITCH row yet).
        case waiting
        /// Judged spam (`callbacks.spam`): no card; listed in the digest with why. The file stays, so "Not spam" can
        /// still card it.
        case withheld
    }

    public var path: String
    public var status: Status
    public var voicemailID: Int64?
    public var key: String?
    public var caller: String?
    public var durationMs: Int64?
    public var dueAt: String?
    public var detail: String
    public var errorCode: ErrorCode?
    /// Where the voicemail's transcript stands (`done`, `retrying`, `followed_up`, …) once it is in the ledger.
    public var transcript: VoicemailRecord.TranscriptStatus?

    public init(
        path: String, status: Status, voicemailID: Int64? = nil, key: String? = nil, caller: String? = nil,
        durationMs: Int64? = nil, dueAt: String? = nil, detail: String, errorCode: ErrorCode? = nil,
        transcript: VoicemailRecord.TranscriptStatus? = nil
    ) {
        self.path = path
        self.status = status
        self.voicemailID = voicemailID
        self.key = key
        self.caller = caller
        self.durationMs = durationMs
        self.dueAt = dueAt
        self.detail = detail
        self.errorCode = errorCode
        self.transcript = transcript
    }

    /// The card is out but its transcript is still owed: the PBX's files must stay until it is final.
    public var owesTranscript: Bool { transcript == .retrying || transcript == .followUpDue }

    /// Nothing more will happen to this voicemail: its files may be archived or deleted.
    var isFinal: Bool {
        switch status {
        case .notified, .followedUp: !owesTranscript
        case .skipped: transcript == .abandoned
        case .pending, .rejected, .planned, .waiting, .failed, .withheld: false
        }
    }

    /// How the watcher remembers the file: it comes back for a pending one (and a transcript still owed).
    var intakeOutcome: IntakeFileRecord.Outcome {
        switch status {
        case _ where owesTranscript: .pending
        case .notified, .followedUp: .notified
        case .skipped: .duplicate
        case .rejected: .rejected
        case .pending, .planned, .waiting, .failed, .withheld: .pending
        }
    }

    /// What failed, by the stage that failed: `ledger.full`, `mail.transport`, `transcription.cancelled`, or the
    /// probe's name for bad input (`audio.truncated`). In JSON, that string.
    public enum ErrorCode: Sendable, Equatable, Codable, CustomStringConvertible {
        case ledger(LedgerError.Code)
        case transcription(TranscriptionError.Code)
        case mail(MailError.Code)
        /// Bad input, as the probe names it.
        case input(String)

        public var description: String {
            switch self {
            case .ledger(let code): code.rawValue
            case .transcription(let code): code.rawValue
            case .mail(let code): code.rawValue
            case .input(let code): code
            }
        }

        public init(from decoder: any Decoder) throws {
            let text = try decoder.singleValueContainer().decode(String.self)
            self =
                LedgerError.Code(rawValue: text).map(Self.ledger)
                ?? TranscriptionError.Code(rawValue: text).map(Self.transcription)
                ?? MailError.Code(rawValue: text).map(Self.mail)
                ?? .input(text)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(description)
        }
    }

    /// A failure for the batch's exit status.
    public var isFailure: Bool { status == .pending || status == .rejected || status == .failed }
}

/// What one stage made of a voicemail: the status for its outcome line, the record as stored, and why.
struct StageResult: Sendable {
    var status: ProcessOutcome.Status
    var record: VoicemailRecord?
    var detail: String
    var code: ProcessOutcome.ErrorCode?

    init(_ status: ProcessOutcome.Status, _ record: VoicemailRecord?, _ detail: String, code: ProcessOutcome.ErrorCode? = nil) {
        self.status = status
        self.record = record
        self.detail = detail
        self.code = code
    }
}
