import Foundation
import RingbackCore

extension VoicemailPipeline {
    /// Texts each caller whose callback opened (voicemail or missed call) the time by which they will be called, once.
    ///
    /// A text is reserved in the ledger before its request goes out, so it is sent at most once: one left `sending`
    /// by a process that died becomes `ambiguous` and is shown, never resent; so is a request that went out and got
    /// no answer. A failure before anything was sent is retried with back-off. `watch` calls this every 30 s.
    @discardableResult
    public func sendCallerTexts() async -> [CallerTextRecord] {
        guard let settings = config.callerTexts else { return [] }
        let now = now()
        let provider = settings.provider.makeProvider()
        var results: [CallerTextRecord] = []
        do {
            for var text in try await ledger.textsInFlight(before: now.addingTimeInterval(-(settings.provider.timeout.seconds + 60))) {
                text.state = .ambiguous
                text.reason = "Ringback stopped while handing it to \(provider.name): it may have reached the caller, so it is not sent again"
                text.updatedAt = now
                try await ledger.updateText(text)
                logger.warning("a text may or may not have gone out", metadata: ["voicemail": "\(text.voicemailID)", "number": "\(text.number)"])
                results.append(text)
            }
            let since = now.addingTimeInterval(-settings.maxAge.seconds)
            for record in try await ledger.untextedCallbacks(receivedSince: since, kind: CallerTextRecord.first, urgentOnly: false) {
                if let text = try await textFirst(record, settings: settings, provider: provider, now: now) { results.append(text) }
            }
            for owner in settings.urgentTextTo {
                let kind = Self.urgentKind + owner
                for record in try await ledger.untextedCallbacks(receivedSince: since, kind: kind, urgentOnly: true) {
                    guard let id = record.id else { continue }
                    let reserved = try await ledger.reserveText(CallerTextRecord(voicemailID: id, kind: kind, number: owner, state: .waiting, at: now))
                    guard reserved.reserved else { continue }
                    results.append(try await attempt(reserved.record, record: record, settings: settings, provider: provider, now: now))
                }
            }
            if let before = settings.runningLate {
                for record in try await ledger.runningLate(dueAfter: now, dueBy: now.addingTimeInterval(before.seconds)) {
                    guard let id = record.id, let number = record.callerNumber else { continue }
                    let late = CallerTextRecord(
                        voicemailID: id, kind: CallerTextRecord.late, number: number, state: .waiting, promisedBy: laterPromise(for: record, now: now), at: now)
                    let reserved = try await ledger.reserveText(late)
                    guard reserved.reserved else { continue }
                    results.append(try await attempt(reserved.record, record: record, settings: settings, provider: provider, now: now))
                }
            }
            for text in try await ledger.textsDue(at: now) {
                guard let record = try await ledger.voicemail(id: text.voicemailID) else { continue }
                results.append(try await attempt(text, record: record, settings: settings, provider: provider, now: now))
            }
        } catch {
            logger.error("ledger failure while texting callers", metadata: ["error": "\(error)"])
        }
        return results
    }

    /// The caller's first text, before their card goes, so the card says what they were told. A failure here never
    /// holds the card: the text is retried (or shown) as usual.
    func textBeforeCard(_ record: VoicemailRecord) async {
        guard let settings = config.callerTexts, record.notifiedAt == nil, record.foldedInto == nil, record.spamReason == nil,
            record.callerNumber?.hasPrefix("+") == true
        else { return }
        let now = now()
        guard record.receivedAt >= now.addingTimeInterval(-settings.maxAge.seconds) else { return }
        do throws(LedgerError) {
            _ = try await textFirst(record, settings: settings, provider: settings.provider.makeProvider(), now: now)
        } catch {
            logger.error("ledger failure while texting a caller", metadata: ["voicemail": "\(record.id ?? 0)", "error": "\(error)"])
        }
    }

    private func textFirst(_ record: VoicemailRecord, settings: CallerTextsConfig, provider: any TextProvider, now: Date) async throws(LedgerError)
        -> CallerTextRecord?
    {
        guard let id = record.id, let number = record.callerNumber else { return nil }
        let reserved = try await ledger.reserveText(
            CallerTextRecord(voicemailID: id, kind: CallerTextRecord.first, number: number, state: .waiting, promisedBy: record.dueAt, at: now))
        guard reserved.reserved else { return nil }
        return try await attempt(reserved.record, record: record, settings: settings, provider: provider, now: now)
    }

    private func laterPromise(for record: VoicemailRecord, now: Date) -> Date {
        config.callbacks.laterDeadline(than: record.dueAt, urgent: record.isUrgent, now: now, timeZone: config.owner.timezone)
    }

    /// The rules, checked at every attempt, then the text itself.
    private func attempt(
        _ reserved: CallerTextRecord, record: VoicemailRecord, settings: CallerTextsConfig, provider: any TextProvider, now: Date
    ) async throws(LedgerError) -> CallerTextRecord {
        var text = reserved
        text.updatedAt = now
        func finish(_ state: CallerTextRecord.State, _ reason: String?) async throws(LedgerError) -> CallerTextRecord {
            text.state = state
            text.reason = reason
            try await ledger.updateText(text)
            return text
        }
        let toOwner = text.kind.hasPrefix(Self.urgentKind)
        if toOwner {
            // The owner asked for these: no cooldown, no quiet hours; only a callback still open.
            guard record.callbackState(at: now) == .open else { return try await finish(.skipped, "the callback was closed before the text went") }
        } else {
            if let reason = try await reasonNotToText(record, text: text, settings: settings, now: now) { return try await finish(.skipped, reason) }
            if let quiet = settings.quietHours, let end = quiet.end(containing: now, timeZone: config.owner.timezone) {
                guard settings.quiet == .wait else { return try await finish(.skipped, "quiet hours (caller_texts.quiet: drop)") }
                text.nextAttemptAt = end
                return try await finish(.waiting, "quiet hours until \(WallClock.format(end, "h:mm a", in: config.owner.timezone))")
            }
        }
        if text.kind == CallerTextRecord.first { text.promisedBy = record.dueAt }  // a text held till morning promises the deadline then
        let body = toOwner ? urgentBody(for: record) : self.body(for: record, text: text, settings: settings, now: now)
        text.body = body
        text.provider = provider.name
        if settings.dryRun {
            logger.info("dry run: would text the caller", metadata: ["voicemail": "\(record.id ?? 0)", "number": "\(text.number)", "text": "\(body)"])
            return try await finish(.dryRun, "caller_texts.dry_run is on")
        }
        // Reserved before the first byte goes out: a crash from here on leaves `sending`, which is never resent.
        guard try await ledger.beginSending(text) else { return text }  // another look at it is sending it
        text.attempts += 1
        text.state = .sending
        let providerID: String
        do throws(TextError) {
            providerID = try await provider.send(to: text.number, body: body, id: "text_\(text.id ?? 0)")
        } catch {
            logger.warning(
                "a text to the caller was not sent", metadata: ["voicemail": "\(record.id ?? 0)", "kind": "\(error.kind.rawValue)", "error": "\(error)"])
            switch error.kind {
            case .transient where text.attempts < 5:
                text.nextAttemptAt = self.now().addingTimeInterval(RetrySchedule.delay(attempt: text.attempts, first: 60))
                return try await finish(.waiting, "\(error); tried \(text.attempts) times, again later")
            case .transient:
                return try await finish(.refused, "\(error); gave up after \(text.attempts) tries")
            case .refused:
                return try await finish(.refused, error.description)
            case .optedOut:
                try await ledger.optOut(text.number, source: provider.name, at: self.now())
                return try await finish(.refused, "the caller opted out at \(provider.name): \(error)")
            case .ambiguous:
                return try await finish(.ambiguous, "\(error): it may have reached the caller, so it is not sent again")
            }
        }
        text.providerID = providerID
        text.sentAt = self.now()
        logger.info("texted the caller", metadata: ["voicemail": "\(record.id ?? 0)", "number": "\(text.number)", "provider": "\(provider.name)"])
        let sent = try await finish(.sent, nil)
        if text.kind == CallerTextRecord.late, let id = record.id, let promised = text.promisedBy {
            // The caller waits for the new time now, so the owner's deadline (and its reminders) is that time. Only
            // a text that surely went moves it: after an unanswered request the earlier, stricter deadline stays.
            let phrase = CallbackPromise.phrase(promised, now: text.sentAt ?? now, timeZone: config.owner.timezone)
            _ = try await ledger.changeCallback(id: id, .runningLate(dueAt: promised), by: .texts, at: self.now(), note: "the caller was texted: \(phrase)")
        }
        return sent
    }

    /// Why this caller gets no text now, if they do not: the rules that keep texts polite and lawful.
    private func reasonNotToText(_ record: VoicemailRecord, text: CallerTextRecord, settings: CallerTextsConfig, now: Date) async throws(LedgerError)
        -> String?
    {
        let number = text.number
        if record.callbackState(at: now) != .open || record.spamReason != nil || record.foldedInto != nil {
            return "the callback was closed (or joined another) before the text went"
        }
        if try await ledger.isOptedOut(number) { return "the caller opted out of texts" }
        let blocked = try await ledger.isBlocked(number)
        if blocked || config.callbacks.spam?.blocklist.contains(where: { number.hasPrefix($0) }) == true { return "the number is on the blocklist" }
        if text.kind == CallerTextRecord.late {
            // An update to a caller already texted for this callback: neither the call's age nor the cooldown apply.
            return (text.promisedBy ?? record.dueAt) <= now ? "the new time has passed" : nil
        }
        // Its age when the callback opened: a text held overnight by quiet hours still goes in the morning.
        if text.createdAt.timeIntervalSince(record.receivedAt) > settings.maxAge.seconds {
            return "the call is older than caller_texts.max_age (\(settings.maxAge))"
        }
        if record.dueAt <= now { return "its deadline has passed" }
        if let last = try await ledger.lastText(to: number, excluding: record.id ?? 0), now.timeIntervalSince(last) < settings.cooldown.seconds {
            return "texted \(WallClock.format(last, "EEE h:mm a", in: config.owner.timezone)), within caller_texts.cooldown (\(settings.cooldown))"
        }
        return nil
    }

    /// A text to the owner is `urgent:` and their number: one per callback and owner number.
    static let urgentKind = "urgent:"

    /// `URGENT call for Acme Plumbing: Maria Lopez (555) 123-0000 at 8:31 AM: "Burst pipe …" Call back by 9:31 AM.`
    func urgentBody(for record: VoicemailRecord) -> String {
        let zone = config.owner.timezone
        let said = record.firstWords(15, minConfidence: config.transcription.minConfidence).map { " “\($0.words)”" } ?? ""
        let what = record.kind == .voicemail ? "" : " (no message)"
        let text =
            "URGENT call for \(config.owner.name): \(record.caller(owner: config.owner)) at \(WallClock.format(record.receivedAt, "h:mm a", in: zone))\(what).\(said)"
            + " Call back by \(WallClock.format(record.dueAt, "h:mm a", in: zone))."
        return TextSafety.line(text)
    }

    /// The text: the running-late wording, the missed-call wording, the after-hours wording (the call came while the
    /// business was closed), or the message wording, with the promise counted from now.
    func body(for record: VoicemailRecord, text: CallerTextRecord, settings: CallerTextsConfig, now: Date) -> String {
        let zone = config.owner.timezone
        let promised = text.promisedBy ?? record.dueAt
        // Counting no business time from a moment the business is closed lands on the next opening.
        let closed =
            config.callbacks.businessHours.flatMap { $0.deadline(from: record.receivedAt, adding: 0, timeZone: zone) }.map {
                $0.timeIntervalSince(record.receivedAt) > 60
            } ?? false
        let template =
            text.kind == CallerTextRecord.late
            ? settings.templates.late
            : closed ? settings.templates.afterHours : record.kind == .voicemail ? settings.templates.message : settings.templates.missed
        return settings.templates.render(
            template,
            [
                "business": config.owner.name, "promise": CallbackPromise.phrase(promised, now: now, timeZone: zone),
                "deadline": WallClock.format(promised, "EEE MMM d, h:mm a", in: zone),
            ])
    }
}
