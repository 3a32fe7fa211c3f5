public import Foundation
public import RingbackCore

/// What one card tells the owner. Built from the ledger row so a resend says exactly what the first send said.
public struct MessageCard: Sendable {
    public enum TranscriptStatus: Sendable {
        case text(String, engine: String, trust: Trust)
        /// No engine configured: the card says so plainly instead of showing an empty box.
        case notConfigured
        case unavailable(reason: String)
        /// Every engine failed; Ringback keeps trying until `until` and replies in the card's thread.
        case following(reason: String, until: Date)
    }

    /// What the message is: the card itself, or a reply in its thread.
    public enum Purpose: Sendable, Equatable {
        case card
        /// The transcript that was not ready when the card went out.
        case transcriptFollowUp
        case reminder(Reminder)
    }

    /// The reminders a callback gets, each sent once.
    public enum Reminder: String, Sendable, Equatable, CaseIterable {
        /// `remind_before` the deadline.
        case before = "remind-before"
        /// At the deadline.
        case deadline = "remind-deadline"
        /// `escalate_after` past the deadline, to `escalate_to`.
        case escalation = "escalation"
    }

    /// How far a transcript may be taken at its word: the card says which, so a guess never reads as fact.
    public enum Trust: Sendable, Equatable {
        /// A cloud or self-hosted engine at or above `min_confidence` (or reporting none).
        case machine
        /// The offline engine at or above `min_confidence`.
        case offlineDraft(confidence: Double?)
        /// Below `transcription.min_confidence`.
        case low(confidence: Double)
    }

    public var voicemailID: Int64
    public var key: String
    public var token: String
    public var caller: CallerID
    public var receivedAt: Date
    public var duration: Duration
    public var isUrgent: Bool
    public var isMissedCall: Bool
    /// A missed call decided by a transcription engine that heard no speech (tones, hold music, noise), not by the
    /// recording's length or level: the engine's name. The card attaches the recording, so the owner can check.
    public var noSpeechHeardBy: String?
    /// A missed call from the call records (no recording at all): how it ended and how long the caller waited.
    public var missed: (ending: CallRecord.Ending, waitSeconds: Int)?
    public var mailbox: String?
    public var transcript: TranscriptStatus
    public var dueAt: Date
    public var timeZone: TimeZone
    public var from: MailAddress
    public var to: [MailAddress]
    /// `mail.cc`: copied on every card and reply.
    public var cc: [MailAddress] = []
    public var messageID: String
    public var attachment: Attachment?
    /// A number the caller said that is not the caller ID ("call me on 555 0199"), read from the transcript.
    public var spokenNumber: SpokenNumber?
    /// The transcript's timed pieces: the HTML shows where each starts in the recording when there are several.
    public var transcriptSegments: [Transcript.Segment] = []
    /// Signed one-click links ("Called back", "Tried, no answer", …) when `web` is configured.
    public var actions: [(label: String, url: String)] = []
    /// The callback this call belongs to when it folded into an open one from the same number; nil: its own.
    public var callbackID: Int64?
    /// When the calls from this number on the day this one came in arrived, this one included.
    public var callsToday: [Date] = []
    /// Earlier calls from the same number, from the ledger.
    public var earlierCalls: (count: Int, last: Date)?
    /// The recording's header contradicts its audio: what could be read is all there is.
    public var damage: String?
    /// Why the card carries no recording, and where it is instead (shown only on a voicemail card without one).
    public var recordingNote: String?
    public var purpose: Purpose = .card
    /// What the caller was told by text (`caller_texts`) and when, or why not.
    public var told: String?
    /// The card's Message-ID when this message replies to it (`In-Reply-To`, `References`).
    public var inReplyTo: String?

    public struct Attachment: Sendable {
        public var path: URL
        public var filename: String
        public var mimeType: String
    }

    /// `0:42`, `12:05`: how phones show call lengths; for a missed call with no recording, how it went (`rang 20 s`).
    public var durationText: String { missed.map { CardRenderer.waited($0) } ?? duration.callLength }

    /// A recording came with the call (attached or not): a voicemail, or a short one the engine heard no speech in.
    public var hasRecording: Bool { !isMissedCall || noSpeechHeardBy != nil || (missed == nil && recordingNote != nil) }

    /// `X-Ringback-Transcription`: `ok` (a transcript, at whatever trust), `pending` (it follows as a reply),
    /// `failed`, or `none` (nothing to transcribe, or no engine).
    public var transcriptionHeader: String {
        if isMissedCall { return "none" }
        switch transcript {
        case .text: return "ok"
        case .following: return "pending"
        case .unavailable: return "failed"
        case .notConfigured: return "none"
        }
    }

    /// The reply that carries a late transcript: same subject and thread, its own stable Message-ID, no audio.
    public func transcriptFollowUp() -> MessageCard {
        var reply = self
        reply.purpose = .transcriptFollowUp
        reply.inReplyTo = messageID
        reply.token = token + ".transcript"
        reply.messageID = Self.messageID(token: reply.token, domain: from.domain)
        reply.attachment = nil
        reply.recordingNote = nil
        return reply
    }

    /// A reminder in the card's thread: same subject, stable Message-ID per kind, no audio.
    public func reminder(_ kind: Reminder) -> MessageCard {
        var reply = self
        reply.purpose = .reminder(kind)
        reply.inReplyTo = messageID
        reply.token = token + "." + kind.rawValue
        reply.messageID = Self.messageID(token: reply.token, domain: from.domain)
        reply.attachment = nil
        reply.recordingNote = nil
        return reply
    }

    /// `<4a9f…@example.com>`: derived from the voicemail's identity, so a resend carries the same Message-ID.
    public static func messageID(token: String, domain: String) -> String {
        VoicemailRecord.messageID(token: token, domain: domain)
    }
}
