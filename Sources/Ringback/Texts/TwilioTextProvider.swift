import Foundation
import RingbackCore
import RingbackCurl

/// Twilio Programmable Messaging: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, form-encoded `To`,
/// `From`, `Body`, HTTP Basic with the Account SID and auth token; 201 with `{sid, status}`, errors as
/// `{code, message, more_info, status}`.
struct TwilioTextProvider: TextProvider {
    let url: String
    let accountSID: String
    let token: Secret
    let from: String
    let timeout: Duration

    var name: String { "twilio" }

    func send(to: String, body: String, id: String) async throws(TextError) -> String {
        let endpoint = "\(url)/2010-04-01/Accounts/\(Self.encode(accountSID))/Messages.json"
        let form = [("To", to), ("From", from), ("Body", body)].map { "\($0.0)=\(Self.encode($0.1))" }.joined(separator: "&")
        let credentials = Data("\(accountSID):\(token.value)".utf8).base64EncodedString()
        let request = HTTPRequest(
            method: "POST", url: endpoint, headers: [("Authorization", "Basic \(credentials)"), ("Accept", "application/json")],
            body: .data(Data(form.utf8), contentType: "application/x-www-form-urlencoded"), timeout: timeout, connectTimeout: .seconds(10),
            maxResponseBytes: 1 << 20)
        let response = try await TextHTTP.perform(request, provider: "Twilio", token: token)
        let json = (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any]
        guard response.status == 200 || response.status == 201 else {
            let code = (json?["code"] as? Int).map(String.init) ?? "\(response.status)"
            let message = token.redact(in: (json?["message"] as? String) ?? "HTTP \(response.status)")
            // 21610: the recipient texted STOP to this sender; Twilio refuses every message to them from now on.
            if code == "21610" { throw TextError(.optedOut, code: code, "Twilio: \(message)") }
            throw TextError(TextHTTP.kind(status: response.status), code: code, "Twilio: \(message)")
        }
        guard let sid = json?["sid"] as? String, !sid.isEmpty else {
            throw TextError(.ambiguous, code: "\(response.status)", "Twilio accepted the text but its reply has no sid")
        }
        return sid
    }

    /// `application/x-www-form-urlencoded`: everything but ASCII letters, digits and `-._~` percent-encoded as UTF-8
    /// (`+`, `&`, `é` too).
    static func encode(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? text
    }

    private static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
}
