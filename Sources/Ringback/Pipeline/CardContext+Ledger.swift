import Foundation

extension CardContext {
    /// What the ledger adds to `record`'s card. Niceties: a ledger hiccup leaves them out rather than hold the card.
    /// `texts`: whether `caller_texts` is on (no lookup of texts on each card otherwise).
    static func gather(
        for record: VoicemailRecord, purpose: MessageCard.Purpose, from ledger: any Ledger, timeZone: TimeZone, texts: Bool
    ) async -> CardContext {
        var context = CardContext()
        if purpose == .card, let number = record.callerNumber {
            context.earlierCalls = try? await ledger.earlierCalls(from: number, before: record.receivedAt, excluding: record.id)
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            let day = calendar.startOfDay(for: record.receivedAt)
            if let end = calendar.date(byAdding: .day, value: 1, to: day) {
                context.callsToday = (try? await ledger.calls(from: number, between: day, and: end)) ?? []
            }
        }
        if let primaryID = record.foldedInto, let primary = try? await ledger.voicemail(id: primaryID) {
            context.primary = (primaryID, primary.dueAt, primary.isUrgent)
        }
        if texts, let id = record.foldedInto ?? record.id, let texts = try? await ledger.texts(voicemailID: id) {
            // A running-late update that went says the time the caller waits for now; otherwise the first text.
            context.told = texts.last { $0.kind == CallerTextRecord.late && $0.told } ?? texts.last { $0.kind == CallerTextRecord.first }
        }
        return context
    }
}
