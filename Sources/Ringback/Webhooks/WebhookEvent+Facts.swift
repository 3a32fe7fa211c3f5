import Foundation

extension WebhookEvent {
    /// Every event the ledger's facts show, each under its unique key. Made afresh at every look and recorded only
    /// when new, so an event is never lost to a crash between a change and its delivery, nor doubled by two
    /// processes: the ledger keeps one delivery per key and endpoint.
    static func events(from facts: WebhookFacts, now: Date, dueSoon: TimeInterval, minConfidence: Double) -> [WebhookEvent] {
        var events: [WebhookEvent] = []
        for record in facts.changed {
            guard let id = record.id else { continue }
            if record.kind == .voicemail {
                events.append(WebhookEvent(.voicemailReceived, key: "voicemail.received:\(id)", record: record, at: record.createdAt, now: now))
            }
            if let text = record.transcript?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty, record.kind == .voicemail {
                events.append(
                    WebhookEvent(
                        .transcriptReady, key: "transcript.ready:\(id)", record: record,
                        at: record.notifiedAt.map { min($0, record.updatedAt) } ?? record.updatedAt,
                        now: now, detail: ["transcript": transcript(record, text: text, minConfidence: minConfidence)]))
            }
            if let sent = record.notifiedAt {
                events.append(
                    WebhookEvent(
                        .cardSent, key: "card.sent:\(id)", record: record, at: sent, now: now,
                        detail: ["card": ["message_id": record.messageID, "sent_at": time(sent)]]))
            }
            if record.foldedInto == nil, record.spamReason == nil, record.state == .notified || record.state == .withheld {
                events.append(WebhookEvent(.callbackOpened, key: "callback.opened:\(id)", record: record, at: record.notifiedAt ?? record.updatedAt, now: now))
            }
        }
        for record in facts.open where record.spamReason == nil && (record.state == .notified || record.state == .withheld) {
            guard let id = record.id, record.callbackState(at: now) == .open else { continue }
            let deadline = Int(record.dueAt.timeIntervalSince1970)
            let soon = record.dueAt.addingTimeInterval(-dueSoon)
            if now >= soon, now < record.dueAt {
                events.append(WebhookEvent(.callbackDueSoon, key: "callback.due_soon:\(id):\(deadline)", record: record, at: soon, now: now))
            }
            if now >= record.dueAt {
                events.append(WebhookEvent(.callbackOverdue, key: "callback.overdue:\(id):\(deadline)", record: record, at: record.dueAt, now: now))
            }
        }
        for event in facts.events {
            guard let eventID = event.id, let record = facts.records[event.voicemailID] else { continue }
            switch event.action {
            case .done, .noCallbackNeeded, .spam:
                let closed: [String: Any] = ["how": event.action.rawValue, "by": event.actor.rawValue, "at": time(event.at), "note": event.note ?? NSNull()]
                events.append(
                    WebhookEvent(.callbackClosed, key: "callback.closed:\(eventID)", record: record, at: event.at, now: now, detail: ["closed": closed]))
            case .reopened, .notSpam:
                events.append(WebhookEvent(.callbackOpened, key: "callback.opened:\(event.voicemailID):\(eventID)", record: record, at: event.at, now: now))
            case .tried, .snoozed, .runningLate:
                break
            }
        }
        for text in facts.texts where text.isToCaller {
            guard let id = text.id, let record = facts.records[text.voicemailID], let sent = text.sentAt else { continue }
            let detail: [String: Any] = [
                "kind": text.kind, "to": text.number, "body": text.body ?? "", "promised_by": text.promisedBy.map(time) ?? NSNull(),
                "sent_at": time(sent), "provider": text.provider ?? NSNull(),
            ]
            events.append(WebhookEvent(.callerTextSent, key: "caller_text.sent:\(id)", record: record, at: sent, now: now, detail: ["text": detail]))
        }
        return events
    }

    /// The transcript with how far it may be taken at its word, as the card says it: `machine`, `offline_draft`, or
    /// `low` (below `transcription.min_confidence`: a guess, not what was said).
    private static func transcript(_ record: VoicemailRecord, text: String, minConfidence: Double) -> [String: Any] {
        let trust =
            record.transcriptConfidence.map { $0 < minConfidence } == true ? "low" : record.transcriptIsDraft ? "offline_draft" : "machine"
        return [
            "text": text, "engine": record.transcriptEngine ?? NSNull(), "confidence": record.transcriptConfidence ?? NSNull(), "trust": trust,
            "language": record.transcriptLanguage ?? NSNull(),
        ]
    }
}
