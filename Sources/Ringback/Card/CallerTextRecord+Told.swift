import Foundation
import RingbackCore

extension CallerTextRecord {
    /// `Texted 8:32 AM: "…by 12:31 PM today."`: what the caller was told, for the card, a reminder and the digest. A
    /// text that may or may not have gone says so, and so does one waiting; nil when nothing was sent.
    func toldLine(timeZone: TimeZone) -> String? {
        let body = "“\(self.body ?? "")”"
        func time(_ date: Date) -> String { WallClock.format(date, "h:mm a", in: timeZone) }
        switch state {
        case .sent: return "Texted \(time(sentAt ?? updatedAt)): \(body)"
        case .sending: return "Texting now: \(body)"
        case .ambiguous: return "Texted \(time(updatedAt)), unconfirmed (the provider did not answer; it may not have arrived): \(body)"
        case .waiting: return "Text waiting: \(reason ?? "to be sent")"
        case .dryRun: return "Not texted (caller_texts.dry_run): would have said \(body)"
        case .refused: return "Not texted: \(reason ?? "the provider refused it")"
        case .skipped: return nil
        }
    }
}
