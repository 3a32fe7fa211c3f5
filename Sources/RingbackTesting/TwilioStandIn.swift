import Foundation

/// Twilio Programmable Messaging on loopback, as its documentation describes it, rejecting every deviation:
/// `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, `application/x-www-form-urlencoded`, HTTP Basic with the
/// Account SID and auth token, `To` and `From` in E.164, a `Body` of 1 to 1600 characters. It answers 201 with
/// `{sid, status: "queued", …}`; errors are `{code, message, more_info, status}` with Twilio's codes (20003
/// authentication, 21211 invalid To, 21610 the recipient opted out, 21617 body too long).
public final class TwilioStandIn: Sendable {
    public struct Message: Sendable, Equatable {
        public let to: String
        public let from: String
        public let body: String
        public let sid: String
    }

    private let core: StandInCore<Message, Void>
    public let accountSID: String

    public var url: String { core.baseURL }
    /// Texts the contract accepted, in order.
    public var received: [Message] { core.received }
    public var violations: [String] { core.violations }
    public var requests: [HTTPStandIn.Request] { core.requests }

    /// `optedOut`: numbers that texted STOP to the sender; Twilio refuses them with 21610.
    public init(accountSID: String = "AC0123456789abcdef0123456789abcdef", authToken: String = "twilio-test-token", optedOut: Set<String> = []) throws {
        self.accountSID = accountSID
        let contract = Contract(accountSID: accountSID, authToken: authToken, optedOut: optedOut)
        core = try StandInCore(extra: ()) { contract.answer($0) }
    }

    public func enqueue(_ reply: HTTPStandIn.Reply) { core.enqueue(reply) }
    public func stop() { core.stop() }
}

extension TwilioStandIn {
    private struct Contract: Sendable {
        let accountSID: String
        let authToken: String
        let optedOut: Set<String>

        func answer(_ request: HTTPStandIn.Request) -> (HTTPStandIn.Response, Message?, [String]) {
            func error(_ status: Int, _ code: Int, _ message: String) -> (HTTPStandIn.Response, Message?, [String]) {
                let body: [String: Any] = [
                    "code": code, "message": message, "more_info": "https://www.twilio.com/docs/errors/\(code)", "status": status,
                ]
                return (.json(status, Self.json(body)), nil, ["\(code): \(message)"])
            }
            guard request.method == "POST" else { return error(405, 20004, "Method not allowed") }
            guard request.path == "/2010-04-01/Accounts/\(accountSID)/Messages.json" else {
                return error(404, 20404, "The requested resource \(request.path) was not found")
            }
            let expected = "Basic " + Data("\(accountSID):\(authToken)".utf8).base64EncodedString()
            guard request.header("Authorization") == expected else { return error(401, 20003, "Authenticate") }
            guard request.header("Content-Type")?.hasPrefix("application/x-www-form-urlencoded") == true else {
                return error(400, 21604, "Content-Type must be application/x-www-form-urlencoded")
            }
            guard let fields = Self.form(request.body) else { return error(400, 21604, "The body is not form-encoded") }
            let unknown = Set(fields.keys).subtracting(["To", "From", "Body", "MessagingServiceSid", "StatusCallback"])
            guard unknown.isEmpty else { return error(400, 21604, "Unknown parameters: \(unknown.sorted().joined(separator: ", "))") }
            guard let to = fields["To"], isE164(to) else { return error(400, 21211, "The 'To' number \(fields["To"] ?? "") is not a valid phone number.") }
            guard let from = fields["From"], isE164(from) else {
                return error(400, 21212, "The 'From' number \(fields["From"] ?? "") is not a valid phone number")
            }
            guard let body = fields["Body"], !body.isEmpty else { return error(400, 21602, "Message body is required.") }
            guard body.count <= 1600 else { return error(400, 21617, "The concatenated message body exceeds the 1600 character limit.") }
            guard !optedOut.contains(to) else { return error(400, 21610, "Attempt to send to unsubscribed recipient") }
            let sid = "SM" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            let reply: [String: Any] = [
                "sid": sid, "account_sid": accountSID, "to": to, "from": from, "body": body, "status": "queued", "num_segments": "1",
                "direction": "outbound-api", "api_version": "2010-04-01", "uri": "/2010-04-01/Accounts/\(accountSID)/Messages/\(sid).json",
            ]
            return (.json(201, Self.json(reply)), Message(to: to, from: from, body: body, sid: sid), [])
        }

        /// Strict `application/x-www-form-urlencoded`: `name=value` pairs joined by `&`, `+` as space, `%XX` escapes,
        /// nothing but ASCII on the wire (UTF-8 is percent-encoded).
        static func form(_ data: Data) -> [String: String]? {
            guard let text = String(data: data, encoding: .utf8), text.allSatisfy(\.isASCII) else { return nil }
            var fields: [String: String] = [:]
            for pair in text.split(separator: "&", omittingEmptySubsequences: false) {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard parts.count == 2, let name = String(parts[0]).removingPercentEncoding,
                    let value = String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
                else { return nil }
                fields[name] = value
            }
            return fields
        }

        static func json(_ object: [String: Any]) -> String {
            String(decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
        }
    }
}
