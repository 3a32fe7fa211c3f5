import Foundation

extension VoicemailPipeline {
    /// One reminder that was due.
    public struct ReminderOutcome: Sendable, Equatable {
        public var voicemailID: Int64
        public var kind: MessageCard.Reminder
        public var sent: Bool
        public var detail: String
    }

    /// Sends every reminder whose moment has come, once each: `remind_before` the deadline, at the deadline, and
    /// `escalate_after` past it to `escalate_to`, all in the card's thread. In `quiet_hours` they wait; a snoozed,
    /// closed or folded callback gets none. The outbox remembers what went out, across restarts.
    ///
    /// A reminder is news only if the card went out before its moment: a card sent after its deadline (a batch of
    /// old voicemails) already says "overdue", and gets no reminder storm.
    public func sendDueReminders() async -> [ReminderOutcome] {
        let policy = config.callbacks
        guard policy.remindBefore != nil || policy.remindAtDeadline || !policy.escalateTo.isEmpty else { return [] }
        let now = now()
        if let quiet = policy.quietHours, quiet.end(containing: now, timeZone: config.owner.timezone) != nil { return [] }
        guard let open = try? await ledger.callbacks(.open, now: now) else { return [] }
        var outcomes: [ReminderOutcome] = []
        for record in open where record.state == .notified && record.callbackState(at: now) == .open {
            for kind in dueReminders(for: record, now: now) {
                outcomes.append(await send(kind, for: record))
            }
        }
        return outcomes
    }

    private func dueReminders(for record: VoicemailRecord, now: Date) -> [MessageCard.Reminder] {
        let policy = config.callbacks
        let notified = record.notifiedAt ?? .distantFuture
        var kinds: [MessageCard.Reminder] = []
        if let before = policy.remindBefore {
            let moment = record.dueAt.addingTimeInterval(-before.seconds)
            if now >= moment, now < record.dueAt, notified < moment { kinds.append(.before) }
        }
        if policy.remindAtDeadline, now >= record.dueAt, notified < record.dueAt { kinds.append(.deadline) }
        if !policy.escalateTo.isEmpty {
            let moment = record.dueAt.addingTimeInterval(policy.escalateAfter.seconds)
            if now >= moment, notified < moment { kinds.append(.escalation) }
        }
        return kinds
    }

    /// Sends one reminder under its own claim, asking the outbox again once the claim is held: of two nodes looking
    /// at once (a cluster lease changing hands mid-tick), one sends it and the other finds it sent or being sent. One
    /// already sent (a deadline reminder stays due at every look) is seen without a claim.
    private func send(_ kind: MessageCard.Reminder, for record: VoicemailRecord) async -> ReminderOutcome {
        let id = record.id ?? 0
        let reminder = MessageCard(record: record, config: config, attachment: nil).reminder(kind)
        @Sendable func outcome(_ sent: Bool, _ detail: String) -> ReminderOutcome {
            ReminderOutcome(voicemailID: id, kind: kind, sent: sent, detail: detail)
        }
        do throws(LedgerError) {
            if try await ledger.isSettled(messageID: reminder.messageID) { return outcome(false, "already sent or refused for good") }
            let run = try await claims.holding("reminder:" + reminder.messageID) { () async throws(LedgerError) -> ReminderOutcome in
                if try await ledger.isSettled(messageID: reminder.messageID) { return outcome(false, "already sent or refused for good") }
                let recipients =
                    kind == .escalation
                    ? config.callbacks.escalateTo
                    : config.intake(containing: URL(fileURLWithPath: record.sourcePath)).recipients(mailbox: record.mailbox, context: record.mailboxContext)
                        ?? config.mail.to
                let entry = try await ledger.enqueue(voicemailID: id, purpose: .reminder, messageID: reminder.messageID, recipients: recipients, at: now())
                let report: DeliveryReport
                do throws(MailError) {
                    report = try await mailer.send(reminder, record: record, probe: nil, to: recipients)
                } catch {
                    try await ledger.markFailed(entry, error: error, at: now())
                    logger.warning("reminder not sent; will retry", metadata: ["voicemail": "\(id)", "kind": "\(kind.rawValue)", "error": "\(error)"])
                    return outcome(false, error.description)
                }
                try await ledger.markSent(entry, report: report, at: now())
                logger.info("reminder sent", metadata: ["voicemail": "\(id)", "kind": "\(kind.rawValue)"])
                return outcome(true, "sent to \(recipients.map(\.address).joined(separator: ", "))")
            }
            switch run {
            case .ran(let result): return result
            case .heldHere: return outcome(false, "being sent by this process")
            case .heldElsewhere(let holder, _): return outcome(false, "being sent by \(holder)")
            }
        } catch {
            logger.error("ledger failure while sending a reminder", metadata: ["voicemail": "\(id)", "error": "\(error)"])
            return outcome(false, error.description)
        }
    }
}
