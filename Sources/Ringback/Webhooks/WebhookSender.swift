import Foundation
import RingbackCore
import RingbackCurl

/// Hands one delivery to its endpoint: a POST of the event's JSON with the Standard Webhooks headers of this try.
/// Any 2xx is taken; anything else (another status, no connection, no answer) is a failure to try again later.
struct WebhookSender: Sendable {
    let endpoint: WebhookEndpointConfig

    enum Result: Sendable, Equatable {
        case delivered(status: Int)
        /// Why, in words that name the endpoint's host, never its URL (a key may ride in the query string).
        case failed(String, status: Int?)
    }

    func deliver(_ delivery: WebhookDeliveryRecord, now: Date) async -> Result {
        let body = Data(delivery.payload.utf8)
        let request = HTTPRequest(
            method: "POST", url: endpoint.url, headers: StandardWebhook.headers(id: delivery.eventID, timestamp: now, body: body, secret: endpoint.secret),
            body: .data(body, contentType: "application/json"), timeout: endpoint.timeout.duration, connectTimeout: .seconds(10),
            maxResponseBytes: 64 << 10)
        let host = URL(string: endpoint.url)?.host ?? "the webhook endpoint"
        do {
            let response = try await HTTPClient().perform(request)
            guard (200..<300).contains(response.status) else { return .failed("\(host) answered HTTP \(response.status)", status: response.status) }
            return .delivered(status: response.status)
        } catch {
            return .failed("\(host): \(endpoint.secret.redact(in: error.message))", status: nil)
        }
    }
}
