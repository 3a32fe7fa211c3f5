import Foundation
import RingbackCore
import RingbackCurl

/// Telnyx: `POST /v2/messages`, JSON `{from, to, text}`, `Authorization: Bearer KEY`; 200 with `{data: {id}}`, errors
/// as `{errors: [{code, title, detail}]}`.
struct TelnyxTextProvider: TextProvider {
    let url: String
    let token: Secret
    let from: String
    let timeout: Duration

    var name: String { "telnyx" }

    func send(to: String, body: String, id: String) async throws(TextError) -> String {
        let payload = (try? JSONSerialization.data(withJSONObject: ["from": from, "to": to, "text": body], options: [.sortedKeys])) ?? Data()
        let request = HTTPRequest(
            method: "POST", url: "\(url)/v2/messages", headers: [("Authorization", "Bearer \(token.value)"), ("Accept", "application/json")],
            body: .data(payload, contentType: "application/json"), timeout: timeout, connectTimeout: .seconds(10), maxResponseBytes: 1 << 20)
        let response = try await TextHTTP.perform(request, provider: "Telnyx", token: token)
        let json = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any]
        guard (200..<300).contains(response.status) else {
            let first = (json?["errors"] as? [[String: Any]])?.first
            let code = (first?["code"] as? String) ?? (first?["code"] as? Int).map(String.init) ?? "\(response.status)"
            let message = token.redact(in: [first?["title"] as? String, first?["detail"] as? String].compactMap { $0 }.joined(separator: ": "))
            // 40300: the recipient replied STOP to this number ("Blocked due to STOP message").
            if code == "40300" { throw TextError(.optedOut, code: code, "Telnyx: \(message)") }
            throw TextError(TextHTTP.kind(status: response.status), code: code, "Telnyx: \(message.isEmpty ? "HTTP \(response.status)" : message)")
        }
        guard let id = (json?["data"] as? [String: Any])?["id"] as? String, !id.isEmpty else {
            throw TextError(.ambiguous, code: "\(response.status)", "Telnyx accepted the text but its reply has no id")
        }
        return id
    }
}
