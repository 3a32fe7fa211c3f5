import Foundation
import RingbackCore
import RingbackCurl

/// A text handed to the admin's own endpoint, signed as Standard Webhooks 1.0 says: `webhook-id` (the same on every
/// try), `webhook-timestamp` (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256(key, "id.timestamp.body")>`,
/// the key being the secret's bytes after `whsec_` (base64) or the secret's text. The body is JSON
/// `{"type": "caller_text", "to", "from", "body"}`; any 2xx is taken, and a JSON `id` in the reply is kept.
struct WebhookTextProvider: TextProvider {
    let url: String
    let secret: Secret
    let from: String
    let timeout: Duration

    var name: String { "webhook" }

    func send(to: String, body: String, id: String) async throws(TextError) -> String {
        let payload =
            (try? JSONSerialization.data(withJSONObject: ["type": "caller_text", "to": to, "from": from, "body": body], options: [.sortedKeys])) ?? Data()
        let request = HTTPRequest(
            method: "POST", url: url, headers: StandardWebhook.headers(id: id, timestamp: Date(), body: payload, secret: secret),
            body: .data(payload, contentType: "application/json"), timeout: timeout, connectTimeout: .seconds(10), maxResponseBytes: 1 << 20)
        let response = try await TextHTTP.perform(request, provider: "The webhook", token: secret)
        guard (200..<300).contains(response.status) else {
            // Not the URL: an admin's endpoint may carry its key in the query string.
            throw TextError(
                TextHTTP.kind(status: response.status), code: "\(response.status)",
                "The webhook (\(URL(string: url)?.host ?? "caller_texts.provider.url")) answered HTTP \(response.status)")
        }
        return ((try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any])?["id"] as? String ?? id
    }
}
