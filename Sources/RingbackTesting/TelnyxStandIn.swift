import Foundation

/// Telnyx Messaging on loopback, as its documentation describes it, rejecting every deviation: `POST /v2/messages`
/// with `Content-Type: application/json`, `Authorization: Bearer KEY`, a JSON object `{from, to, text}` (E.164
/// numbers, text of 1 to 1600 characters). It answers 200 with `{data: {id, record_type: "message", …}}`; errors are
/// `{errors: [{code, title, detail}]}` (10009 authentication, 10015 invalid parameter, 40300 the recipient opted out).
public final class TelnyxStandIn: Sendable {
    public struct Message: Sendable, Equatable {
        public let to: String
        public let from: String
        public let text: String
        public let id: String
    }

    private let core: StandInCore<Message, Void>

    public var url: String { core.baseURL }
    public var received: [Message] { core.received }
    public var violations: [String] { core.violations }
    public var requests: [HTTPStandIn.Request] { core.requests }

    public init(apiKey: String = "KEY0123456789", optedOut: Set<String> = []) throws {
        let contract = Contract(apiKey: apiKey, optedOut: optedOut)
        core = try StandInCore(extra: ()) { contract.answer($0) }
    }

    public func enqueue(_ reply: HTTPStandIn.Reply) { core.enqueue(reply) }
    public func stop() { core.stop() }
}

extension TelnyxStandIn {
    private struct Contract: Sendable {
        let apiKey: String
        let optedOut: Set<String>

        func answer(_ request: HTTPStandIn.Request) -> (HTTPStandIn.Response, Message?, [String]) {
            func error(_ status: Int, _ code: String, _ title: String, _ detail: String) -> (HTTPStandIn.Response, Message?, [String]) {
                let body = ["errors": [["code": code, "title": title, "detail": detail]]]
                let text = String(decoding: (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
                return (.json(status, text), nil, ["\(code): \(title): \(detail)"])
            }
            guard request.method == "POST", request.path == "/v2/messages" else { return error(404, "10005", "Resource not found", request.path) }
            guard request.header("Authorization") == "Bearer \(apiKey)" else {
                return error(401, "10009", "Authentication failed", "The API key is missing or wrong.")
            }
            guard request.header("Content-Type")?.hasPrefix("application/json") == true else {
                return error(415, "10015", "Bad Request", "Content-Type must be application/json")
            }
            guard let object = (try? JSONSerialization.jsonObject(with: request.body)) as? [String: Any] else {
                return error(400, "10015", "Bad Request", "The body is not a JSON object")
            }
            let unknown = Set(object.keys).subtracting(["from", "to", "text", "messaging_profile_id", "webhook_url", "type"])
            guard unknown.isEmpty else { return error(422, "10015", "Invalid parameter", "unknown: \(unknown.sorted().joined(separator: ", "))") }
            guard let to = object["to"] as? String, isE164(to) else { return error(422, "40310", "Invalid 'to' address", "must be E.164") }
            guard let from = object["from"] as? String, isE164(from) else { return error(422, "40305", "Invalid 'from' address", "must be E.164") }
            guard let text = object["text"] as? String, !text.isEmpty, text.count <= 1600 else {
                return error(422, "40306", "Invalid text", "text must be 1 to 1600 characters")
            }
            guard !optedOut.contains(to) else { return error(403, "40300", "Blocked due to STOP message", "The recipient has opted out.") }
            let id = UUID().uuidString.lowercased()
            let reply: [String: Any] = ["data": ["id": id, "record_type": "message", "direction": "outbound", "text": text, "type": "SMS"]]
            let body = String(decoding: (try? JSONSerialization.data(withJSONObject: reply, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
            return (.json(200, body), Message(to: to, from: from, text: text, id: id), [])
        }

    }
}
