import Foundation

extension VoicemailPipeline {
    /// The digest as of now: since the last one sent (or the last 24 hours), to `callbacks.digest.to` or `mail.to`.
    public func digest() async throws(LedgerError) -> Digest {
        let now = now()
        let since = try await ledger.lastDigest() ?? now.addingTimeInterval(-86400)
        let facts = try await ledger.digestFacts(since: since, now: now)
        let recipients = config.callbacks.digest.map(\.to).flatMap { $0.isEmpty ? nil : $0 } ?? config.mail.to
        var digest = Digest(facts: facts, now: now, since: since, owner: config.owner, from: config.mail.from, to: recipients)
        digest.links = config.web.flatMap(CallbackLinks.init(config:))
        digest.minConfidence = config.transcription.minConfidence
        return digest
    }

    /// Sends a digest and records it under `slot`, so it is not sent again for that slot.
    public func send(_ digest: Digest, slot: String) async throws(MailError) {
        try await mailer.send(digest, token: "digest." + slot.filter { $0.isNumber })
        do throws(LedgerError) {
            try await ledger.recordDigest(slot: slot, at: digest.now)  // what it reported is as of then
        } catch {
            logger.error("digest sent but not recorded; it may be sent again", metadata: ["slot": "\(slot)", "error": "\(error)"])
        }
    }

    /// `watch`: the digest of the latest `callbacks.digest` slot, once, if that slot passed within the last 12 hours
    /// (a watcher down at 07:30 and back at 07:45 still sends it; one back the next evening does not).
    @discardableResult
    public func sendDigestIfDue() async -> String? {
        guard let schedule = config.callbacks.digest else { return nil }
        let now = now()
        guard let slot = schedule.latestSlot(atOrBefore: now, timeZone: config.owner.timezone), now.timeIntervalSince(slot.time) < 12 * 3600,
            (try? await ledger.digestSent(slot: slot.name)) == false
        else { return nil }
        // Under the slot's claim, read again: of two nodes (a cluster lease changing hands mid-send), one sends it.
        let sent: Bool
        do throws(LedgerError) {
            let run = try await claims.holding("digest:" + slot.name) { () async throws(LedgerError) -> Bool in
                guard try await !ledger.digestSent(slot: slot.name) else { return false }
                let digest = try await digest()
                do throws(MailError) {
                    try await send(digest, slot: slot.name)
                    return true
                } catch {
                    logger.warning("digest not sent; will retry", metadata: ["slot": "\(slot.name)", "error": "\(error)"])
                    return false
                }
            }
            guard case .ran(let ran) = run else { return nil }
            sent = ran
        } catch {
            logger.warning("digest not sent; will retry", metadata: ["slot": "\(slot.name)", "error": "\(error)"])
            return nil
        }
        guard sent else { return nil }
        logger.info("digest sent", metadata: ["slot": "\(slot.name)"])
        return slot.name
    }
}
