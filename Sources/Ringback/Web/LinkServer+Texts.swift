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
}
