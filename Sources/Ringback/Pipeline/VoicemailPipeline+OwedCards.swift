import Foundation

extension VoicemailPipeline {
    /// Sends the cards owed for calls whose card needs no file: missed calls from the call records (once their
    /// `voicemail_wait` has passed), and calls a "Not spam" tap made owed after their recording was gone. Each under
    /// its claim, so two processes never send one twice; a failure is retried with the usual back-off.
    @discardableResult
    public func sendOwedCards() async -> [ProcessOutcome] {
        guard let due = try? await ledger.pending(dueBy: now()) else { return [] }
        var outcomes: [ProcessOutcome] = []
        for record in due where record.state == .transcribed && (record.missedEnding != nil || !FileManager.default.fileExists(atPath: record.sourcePath)) {
            outcomes.append(await sendOwedCard(record))
        }
        return outcomes
    }

    private func sendOwedCard(_ record: VoicemailRecord) async -> ProcessOutcome {
        let result: StageResult
        do throws(LedgerError) {
            switch try await claims.holding(
                record.key,
                { () async throws(LedgerError) -> StageResult in
                    // Read again under the claim: another process may have sent it meanwhile.
                    guard let id = record.id, let current = try await ledger.voicemail(id: id), current.state == .transcribed, current.foldedInto == nil else {
                        return StageResult(.skipped, record, "no card owed any more")
                    }
                    let recipients =
                        config.intake(containing: URL(fileURLWithPath: current.sourcePath)).recipients(
                            mailbox: current.mailbox, context: current.mailboxContext) ?? config.mail.to
                    await textBeforeCard(current)
                    return try await cards.send(current, probe: nil, to: recipients, resending: false)
                })
            {
            case .ran(let ran): result = ran
            case .heldHere, .heldElsewhere: result = StageResult(.waiting, record, "another process is sending it")
            }
        } catch {
            logger.error("ledger failure while sending a card", metadata: ["voicemail": "\(record.id ?? 0)", "error": "\(error)"])
            result = StageResult(.pending, record, "ledger error: \(error)", code: .ledger(error.code))
        }
        return ProcessOutcome(
            path: record.sourcePath, status: result.status, voicemailID: record.id, key: record.key, caller: record.callerRaw,
            durationMs: record.durationMs, dueAt: (result.record ?? record).dueAt.formatted(.iso8601), detail: result.detail, errorCode: result.code,
            transcript: (result.record ?? record).transcriptStatus)
    }
}
