import Foundation
import Hummingbird
import RingbackCore

extension LinkServer {
    /// The providers' inbound-message webhooks, for STOP: `POST /v1/texts/twilio` (form, `X-Twilio-Signature`) and
    /// `POST /v1/texts/telnyx` (JSON, Ed25519). A request whose signature does not check out is refused with 403 and
    /// changes nothing; an opt-out word opts the sender out for good.
    func addTextRoutes(to router: Router<BasicRequestContext>) {
        router.post("v1/texts/twilio") { request, _ -> Response in
            guard let texts = self.callerTexts, texts.provider.kind == .twilio, let base = self.publicURL else { return Response(status: .notFound) }
            let body = Data(buffer: try await request.body.collect(upTo: 64 << 10))
            guard let parameters = InboundText.form(body),
                let signature = header("X-Twilio-Signature", of: request),
                InboundText.twilioSignatureIsValid(
                    url: base + "/v1/texts/twilio", parameters: parameters, signature: signature, authToken: texts.provider.token)
            else { return Response(status: .forbidden) }
            let fields = Dictionary(parameters.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
            try await self.received(from: fields["From"], text: fields["Body"], provider: "twilio")
            // An empty TwiML reply: Twilio sends nothing back on Ringback's behalf.
            return Response(
                status: .ok, headers: [.contentType: "text/xml"], body: ResponseBody(byteBuffer: ByteBuffer(string: "<Response></Response>")))
        }
        router.post("v1/texts/telnyx") { request, _ -> Response in
            guard let texts = self.callerTexts, texts.provider.kind == .telnyx, let key = texts.provider.publicKey else {
                return Response(status: .notFound)
            }
            let body = Data(buffer: try await request.body.collect(upTo: 64 << 10))
            guard let signature = header("telnyx-signature-ed25519", of: request),
                let timestamp = header("telnyx-timestamp", of: request),
                InboundText.telnyxSignatureIsValid(body: body, timestamp: timestamp, signature: signature, publicKey: key, now: self.now())
            else { return Response(status: .forbidden) }
            let event = ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any])?["data"] as? [String: Any]
            let payload = event?["payload"] as? [String: Any]
            if event?["event_type"] as? String == "message.received" {
                try await self.received(
                    from: (payload?["from"] as? [String: Any])?["phone_number"] as? String, text: payload?["text"] as? String, provider: "telnyx")
            }
            return Response(status: .ok)
        }
    }

    private func header(_ name: String, of request: Request) -> String? {
        request.headers.first { $0.name.canonicalName == name.lowercased() }?.value
    }

    private func received(from number: String?, text: String?, provider: String) async throws {
        guard let text, InboundText.isOptOut(text), let number,
            let e164 = PhoneNumber(parsing: number, country: owner.country, dialPrefixes: owner.dialPrefixes).e164
        else { return }
        do throws(LedgerError) {
            try await ledger.optOut(e164, source: provider, at: now())
        } catch {
            throw HTTPError(.serviceUnavailable)  // the provider retries a webhook that failed
        }
    }

    /// The card's "Running late?" link: a running-late text reserved for the watcher to send within its next tick
    /// (the rules still apply: an opt-out, a closed callback). The deadline moves when the text has gone.
    func runningLate(_ record: VoicemailRecord, who: String) async throws(LinkPage) -> LinkPage {
        guard callerTexts != nil else { throw LinkPage(.notFound, "Texts are off", "This Ringback does not text callers (caller_texts is not set).") }
        guard let id = record.id, let number = record.callerNumber, PhoneNumber.isE164(number) else {
            throw LinkPage(.conflict, "Not done", "Callback \(who) has no number a text can go to.")
        }
        guard record.callbackState(at: now()) == .open else {
            throw LinkPage(.conflict, "Not done", "Callback \(who) is \(record.callbackState(at: now()).rawValue): nothing to be late for.")
        }
        if (try? await ledger.isOptedOut(number)) == true {
            throw LinkPage(.conflict, "Not done", "The caller of callback \(who) opted out of texts: call them instead.")
        }
        let later = callbacks.laterDeadline(than: record.dueAt, urgent: record.isUrgent, now: now(), timeZone: owner.timezone)
        let phrase = CallbackPromise.phrase(later, now: now(), timeZone: owner.timezone)
        var text = CallerTextRecord(voicemailID: id, kind: CallerTextRecord.late, number: number, state: .waiting, promisedBy: later, at: now())
        text.nextAttemptAt = now()
        let reserved: (record: CallerTextRecord, reserved: Bool)
        do throws(LedgerError) {
            reserved = try await ledger.reserveText(text)
        } catch {
            throw LinkPage(.internalServerError, "Ringback cannot write its ledger", "Nothing was done. Try again in a minute.")
        }
        guard reserved.reserved else {
            let told = reserved.record.toldLine(timeZone: owner.timezone) ?? "not texted: \(reserved.record.reason ?? reserved.record.state.rawValue)"
            throw LinkPage(.conflict, "They were already told", "A callback gets one running-late text. \(told)")
        }
        return LinkPage(
            .ok, "Done. The caller will be told: \(phrase)",
            "The text goes out within a minute. When it has, callback \(who) is due \(format(later)).")
    }
}
