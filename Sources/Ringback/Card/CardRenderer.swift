import Foundation
import RingbackCore

/// Turns a card into its subject, plain text and HTML. Every value from a caller or a transcript is escaped.
struct CardRenderer {
    let card: MessageCard

    /// When the card is written: "today", "in 3 h 40 min" are relative to it. The subject never is, so a reply's
    /// subject matches the card's.
    let now: Date
    /// The admin's templates; what they leave out is the built-in card.
    var templates = CardTemplates()

    /// A reply keeps the card's subject behind `Re: ` so every mail client files it in the card's thread.
    var subject: String {
        let reply = card.purpose == .card ? "" : "Re: "
        if let custom = templates.renderSubject(values) { return reply + MIMEEncoding.headerSafe(custom) }
        let urgent = card.isUrgent ? "URGENT: " : ""
        if let missed = card.missed {
            return "\(reply)\(urgent)Missed call from \(card.caller), \(Self.waited(missed)) — call back by \(deadlineShort)"
        }
        if card.isMissedCall {
            return "\(reply)\(urgent)Missed call from \(card.caller), no message — call back by \(deadlineShort)"
        }
        return "\(reply)\(urgent)Voicemail from \(card.caller), \(card.durationText) — call back by \(deadlineShort)"
    }

    /// `Voicemail from Maria Lopez`, `Missed call from Withheld number`, `Transcript: voicemail from Maria Lopez`.
    private var headline: String {
        let who = card.caller.name ?? card.caller.description
        switch card.purpose {
        case .card: break
        case .transcriptFollowUp: return "Transcript: voicemail from \(who)"
        case .reminder(.before): return "Reminder: call back \(who), due \(countdown)"
        case .reminder(.deadline): return "Call back \(who) now: the deadline is here"
        case .reminder(.escalation): return "Escalation: \(who) has not been called back, \(countdown)"
        }
        let what = card.isMissedCall ? "Missed call" : "Voicemail"
        return "\(card.isUrgent ? "URGENT " + what.lowercased() : what) from \(card.caller.name ?? card.caller.description)"
    }

    private var transcriptLines: (heading: String, body: String?) {
        if let engine = card.noSpeechHeardBy {
            return (
                "No message: \(engine) heard no speech in the \(card.durationText) recording (touch tones, hold music or noise). Listen to it if in doubt.", nil
            )
        }
        if let missed = card.missed { return (Self.howItEnded(missed), nil) }
        if card.isMissedCall {
            return ("The caller hung up without leaving a message (\(card.durationText) of audio, too short or silent).", nil)
        }
        switch card.transcript {
        case .text(let text, let engine, .machine):
            return ("What they said (machine transcript by \(engine), may contain errors):", text)
        case .text(let text, let engine, .offlineDraft(let confidence)):
            let percent = confidence.map { ", \(Int(($0 * 100).rounded()))% confidence" } ?? ""
            return ("Offline draft transcript (\(engine)\(percent)), expect wrong words; listen to the recording:", text)
        case .text(let text, let engine, .low(let confidence)):
            return (
                "Low confidence (\(engine), \(Int((confidence * 100).rounded()))%): a guess at what was said, not a transcript. Listen to the recording:", text
            )
        case .notConfigured:
            return ("No transcript: transcription is not configured. Listen to the attached recording.", nil)
        case .unavailable(let reason):
            return ("Transcript unavailable (\(reason)). Listen to the attached recording.", nil)
        case .following(let reason, let until):
            return (
                "Transcript unavailable for now (\(reason)). Ringback keeps trying until \(long(until)) and will reply to this email with it. Listen to the attached recording.",
                nil
            )
        }
    }

    /// `rang 20 s`, `busy`, `waited 1:05 in the queue`: the subject's few words on a missed call.
    static func waited(_ missed: (ending: CallRecord.Ending, waitSeconds: Int)) -> String {
        let time = Duration.seconds(missed.waitSeconds).callLength
        switch missed.ending {
        case .failed: return "the call failed"
        case .busy: return "line busy"
        case .noAnswer: return missed.waitSeconds < 60 ? "rang \(missed.waitSeconds) s" : "rang \(time)"
        case .menu: return "hung up in the menu"
        case .queue: return "waited \(time) in the queue"
        case .greeting: return "hung up at the greeting"
        }
    }

    /// What the call records say happened, in a sentence for the card.
    static func howItEnded(_ missed: (ending: CallRecord.Ending, waitSeconds: Int)) -> String {
        let time = missed.waitSeconds < 60 ? "\(missed.waitSeconds) s" : Duration.seconds(missed.waitSeconds).callLength
        switch missed.ending {
        case .failed: return "The call failed before anyone could answer (the phone system logged it as failed). They left no message."
        case .busy: return "Every line was busy, so the caller could not get through. They left no message."
        case .noAnswer: return "It rang \(time) and nobody answered; the caller hung up without leaving a message."
        case .menu: return "The phone system answered (a menu or announcement) and the caller hung up after \(time), without leaving a message."
        case .queue: return "The caller waited \(time) in the queue for someone to answer, then hung up. They left no message."
        case .greeting where missed.waitSeconds == 0:
            return "The voicemail greeting answered at once, and the caller hung up without leaving a message."
        case .greeting:
            return "It rang \(time), the voicemail greeting answered, and the caller hung up without leaving a message."
        }
    }

    /// Why there is nothing to tap: say it plainly rather than show an empty number.
    private var noNumber: String {
        if card.caller.isWithheld { return "No number: the caller withheld it." }
        if let number = card.caller.displayNumber { return "\(number) (an internal extension)" }
        return "No number: the PBX did not say who called."
    }

    /// Where the recording is: attached, or why not and where instead.
    private var recordingLine: String? {
        guard card.purpose == .card else { return nil }
        let damaged = card.damage.map { " The file is damaged (\($0)): this is what could be read." } ?? ""
        if let attachment = card.attachment { return "Recording: attached (\(attachment.filename)).\(damaged)" }
        return card.recordingNote.map { "Recording: \($0)\(damaged)" }
    }

    /// What a template can use: Ringback's names, and Asterisk's `VM_*` names so an `emailbody` ports by turning
    /// `${VM_CIDNAME}` into `{{VM_CIDNAME}}`.
    var values: [String: Any] {
        let transcript = transcriptLines
        var trust = ""
        if case .text(_, _, let level) = card.transcript {
            trust =
                switch level {
                case .machine: "machine"
                case .offlineDraft: "offline_draft"
                case .low: "low"
                }
        }
        let asteriskDate = format(card.receivedAt, "EEEE, MMMM dd, yyyy 'at' hh:mm:ss a")
        let name = card.caller.name ?? ""
        let number = card.caller.displayNumber ?? ""
        return [
            "caller": card.caller.description,
            "caller_name": name,
            "caller_number": number,
            "tel": card.caller.telURI ?? "",
            "spoken_number": card.spokenNumber.map { $0.phone.display(country: card.caller.country) } ?? "",
            "spoken_tel": card.spokenNumber?.phone.telURI ?? "",
            "withheld": card.caller.isWithheld,
            "received": relative(card.receivedAt),
            "received_long": long(card.receivedAt),
            "duration": card.durationText,
            "mailbox": card.mailbox ?? "",
            "due": relative(card.dueAt),
            "due_long": long(card.dueAt),
            "countdown": countdown,
            "urgent": card.isUrgent,
            "missed_call": card.isMissedCall,
            "transcript_heading": transcript.heading,
            "transcript": transcript.body ?? "",
            "has_transcript": transcript.body != nil,
            "transcript_trust": trust,
            "recording": recordingLine ?? "",
            "earlier_calls": earlierCallsLine ?? "",
            "caller_told": card.told ?? "",
            "voicemail_id": card.voicemailID,
            "footer": footer,
            "VM_CALLERID": name.isEmpty ? (number.isEmpty ? card.caller.description : number) : (number.isEmpty ? name : "\"\(name)\" <\(number)>"),
            "VM_CIDNAME": name.isEmpty ? card.caller.description : name,
            "VM_CIDNUM": number.isEmpty ? card.caller.description : number,
            "VM_DUR": card.durationText,
            "VM_DATE": asteriskDate,
            "VM_MAILBOX": card.mailbox ?? "",
            "VM_MSGNUM": card.voicemailID,
        ]
    }

    /// The callback's number; a preview (not in the ledger) says so instead. The HTML part, read on a phone, stops
    /// there: its buttons (or the owner's own reply) are the way to close it.
    private var footerID: String {
        guard card.voicemailID > 0 else { return "Ringback card preview: this voicemail is not in the ledger." }
        return "Ringback callback #\(card.callbackID ?? card.voicemailID)."
    }

    /// The text part's footer: with no one-click links, also the command that closes the callback, for the admin
    /// who reads mail in a terminal.
    private var footer: String {
        guard card.voicemailID > 0, card.actions.isEmpty else { return footerID }
        return "\(footerID) When you have called back: ringback callbacks done \(card.callbackID ?? card.voicemailID)"
    }

    /// What a reply adds above the card's details.
    private var replyIntro: String? {
        switch card.purpose {
        case .card: nil
        case .transcriptFollowUp: "The transcript was not ready when the card went out; here it is. The recording is on the card."
        case .reminder(.before), .reminder(.deadline): "This callback is still open. The recording is on the card this replies to."
        case .reminder(.escalation):
            "Sent to you because this callback is still open past its deadline. The recording is on the card this replies to."
        }
    }

    var plainText: String {
        if card.purpose == .card, let custom = templates.renderText(values) { return custom }
        return builtInText
    }

    var html: String {
        if card.purpose == .card, let custom = templates.renderHTML(values) { return custom }
        return builtInHTML
    }

    /// The one-click links as a row of buttons; each opens a confirmation page.
    private var actionsBlock: String {
        guard !card.actions.isEmpty else { return "" }
        let h = MIMEEncoding.html
        let buttons = card.actions.map {
            #"<a href="\#(h($0.url))" style="display:inline-block;margin:0 6px 6px 0;padding:8px 12px;border:1px solid #d0d7de;border-radius:6px;color:#0969da;text-decoration:none;font-size:14px">\#(h($0.label))</a>"#
        }
        return #"<p style="margin:20px 0 0">\#(buttons.joined())</p>"#
    }

    /// Who to call: the number they said when the transcript can be trusted, else the caller ID; and a line about
    /// the other one. A number read from a draft or a guess is offered, never put on the button.
    private var callTarget: (number: String, tel: String, caption: String?)? {
        if let spoken = card.spokenNumber, spokenIsTrusted, let tel = spoken.phone.telURI {
            let caption = "the number they said" + (spoken.borrowedAreaCode ? ", area code from the caller ID" : "")
            return (spoken.phone.display(country: card.caller.country), tel, caption)
        }
        if let number = card.caller.displayNumber, let tel = card.caller.telURI { return (number, tel, nil) }
        // A number Ringback cannot read is still the caller's: shown and dialled as the PBX sent it.
        guard let sent = card.caller.unrecognisedNumber else { return nil }
        return (sent, "tel:\(sent)", "as the PBX sent it")
    }

    private var spokenIsTrusted: Bool {
        if case .text(_, _, .machine) = card.transcript { return true }
        return false
    }

    /// The number that is not on the button, if there is one.
    private var otherNumberLine: (text: String, tel: String)? {
        if card.spokenNumber == nil, let likely = card.caller.likelyReading, let tel = likely.phone.telURI {
            let number = likely.phone.display(country: card.caller.country)
            return ("Probably \(number), with the outside-line \(likely.prefix) dropped: set owner.dial_prefixes: [\"\(likely.prefix)\"] to read it so", tel)
        }
        guard let spoken = card.spokenNumber, let spokenTel = spoken.phone.telURI else { return nil }
        let said = spoken.phone.display(country: card.caller.country)
        if spokenIsTrusted {
            guard let number = card.caller.displayNumber, let tel = card.caller.telURI else { return nil }
            return ("Caller ID: \(number)", tel)
        }
        return ("They may have said a number, \(said): check the recording before calling it", spokenTel)
    }

    private var builtInText: String {
        var lines = [headline, ""]
        if let replyIntro { lines += [replyIntro, ""] }
        if let target = callTarget {
            lines.append("Call back:    \(target.number)  <\(target.tel)>\(target.caption.map { "  (\($0))" } ?? "")")
        } else {
            lines.append("Call back:    \(noNumber)")
        }
        if let other = otherNumberLine { lines.append("              \(other.text)  <\(other.tel)>") }
        lines += [
            "Received:     \(relative(card.receivedAt)) (\(card.timeZone.identifier))\(card.mailbox.map { ", mailbox \($0)" } ?? "")",
            "Length:       \(card.durationText)",
            "Call back by: \(deadlineLine)",
        ]
        if let earlier = earlierCallsLine { lines.append("Earlier:      \(earlier)") }
        if let told = card.told { lines.append("The caller:   \(told)") }
        lines.append("")
        let transcript = transcriptLines
        lines.append(transcript.heading)
        if let body = transcript.body { lines += ["", "  \"\(body)\""] }
        if let recording = recordingLine { lines += ["", recording] }
        if !card.actions.isEmpty {
            lines += ["", "One tap, then confirm:"]
            lines += card.actions.map { "  \($0.label): \($0.url)" }
        }
        lines += ["", "-- ", footer]
        return lines.joined(separator: "\n")
    }

    /// Inline styles only, no remote images, one column that fits 360 px. Text and background colours are both
    /// explicit and the page declares itself light-only: a dark-mode client leaves it light or inverts both, never
    /// dark text on a dark background.
    private var builtInHTML: String {
        let h = MIMEEncoding.html
        var numberRow: String
        if let target = callTarget {
            numberRow = """
                <a href="\(h(target.tel))" style="display:inline-block;padding:12px 18px;background:#1a7f37;color:#ffffff;\
                text-decoration:none;border-radius:8px;font-size:18px;font-weight:600">Call \(h(target.number))</a>
                """
            if let caption = target.caption { numberRow += #"<p style="margin:4px 0 0;color:#555555;font-size:13px">\#(h(caption))</p>"# }
        } else {
            numberRow = #"<p style="margin:0;color:#555555">\#(h(noNumber))</p>"#
        }
        if let other = otherNumberLine {
            numberRow += #"<p style="margin:8px 0 0;font-size:14px"><a href="\#(h(other.tel))" style="color:#0969da">\#(h(other.text))</a></p>"#
        }
        let transcript = transcriptLines
        var transcriptBlock = #"<p style="margin:16px 0 4px;color:#555555;font-size:13px">\#(h(transcript.heading))</p>"#
        if let body = transcript.body {
            // Several timed segments: each starts with where it is in the recording (0:42), for finding it by ear.
            let timed =
                card.transcriptSegments.count > 1
                ? card.transcriptSegments.map {
                    #"<span style="color:#6e7781;font-size:12px;font-variant-numeric:tabular-nums">\#(Self.offset($0.start))</span> \#(h($0.text))"#
                }.joined(separator: "<br>")
                : h(body)
            transcriptBlock +=
                #"<blockquote style="margin:0;padding:8px 12px;border-left:4px solid #cccccc;font-size:16px;line-height:1.4">\#(timed)</blockquote>"#
        }
        let urgent = card.isUrgent ? #"<p style="margin:0 0 8px;color:#b42318;font-weight:700">URGENT</p>"# : ""
        return HTMLPage.render(
            title: subject,
            content: """
                \(urgent)<h1 style="margin:0 0 4px;font-size:22px">\(h(headline))</h1>
                \(replyIntro.map { #"<p style="margin:0 0 8px">\#(h($0))</p>"# } ?? "")
                <p style="margin:0 0 16px;color:#555555">\(h(relative(card.receivedAt))) · \(h(card.durationText))\(card.mailbox.map { " · mailbox " + h($0) } ?? "")</p>
                \(numberRow)
                <p style="margin:16px 0 0;font-size:16px"><strong style="color:\(card.dueAt < now ? "#b42318" : "#1f2328")">Call back by \(h(deadlineLine))</strong></p>
                \(earlierCallsLine.map { #"<p style="margin:4px 0 0;color:#555555">\#(h($0))</p>"# } ?? "")
                \(card.told.map { #"<p style="margin:4px 0 0;color:#555555">\#(h($0))</p>"# } ?? "")
                \(transcriptBlock)
                \(recordingLine.map { #"<p style="margin:16px 0 0;color:#555555;font-size:13px">\#(h($0))</p>"# } ?? "")
                \(actionsBlock)
                <p style="margin:24px 0 0;color:#6e7781;font-size:12px">\(h(footerID))</p>
                """)
    }
}
