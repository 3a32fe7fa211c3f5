import Crypto
public import Foundation

/// Signed one-click links: the voicemail, the action and an expiry inside, HMAC-SHA256 over them, a nonce so each
/// link acts once. Opening one only shows a confirmation page; only the POST from that page acts, so mail scanners
/// that prefetch links change nothing.
public struct CallbackLinks: Sendable {
    public enum Action: String, Sendable, CaseIterable {
        case done
        case tried
        case snooze
        case noCallback = "no-callback"
        /// Closes the callback and puts the number on the ledger's blocklist.
        case spam
        /// Undoes a spam verdict: open again, the card sent if it never was.
        case notSpam = "not-spam"
        /// Texts the caller that the callback runs late, with a later time (`caller_texts`); the deadline moves there.
        case late

        /// The links a card (and a reminder, and an open callback in the digest) carries.
        public static let onCards: [Action] = [.done, .tried, .snooze, .noCallback, .spam]

        /// What the card's link says.
        public var label: String {
            switch self {
            case .done: "Called back"
            case .tried: "Tried, no answer"
            case .snooze: "Snooze 2 h"
            case .noCallback: "No callback needed"
            case .spam: "Spam"
            case .notSpam: "Not spam"
            case .late: "Running late? Text them a new time"
            }
        }

        /// The question the confirmation page asks.
        public var question: String {
            switch self {
            case .done: "Mark this callback as called back?"
            case .tried: "Record a call that nobody answered? The callback stays open."
            case .snooze: "Snooze this callback for 2 hours?"
            case .noCallback: "Close this callback without a call?"
            case .spam: "Close this callback as spam? Later calls from the number get no card (listed in the digest)."
            case .notSpam: "Not spam? The callback opens again with a new deadline, and its card is sent if it never was."
            case .late: "Text the caller that you are running late, with a new time? The deadline moves to it."
            }
        }
    }

    /// What a valid link asks for.
    public struct Claim: Sendable, Equatable {
        public var voicemailID: Int64
        public var action: Action
        public var expires: Date
        public var nonce: String
    }

    public enum Failure: Error, Sendable, Equatable {
        /// Not a link Ringback made: cut short, mangled.
        case malformed
        /// The signature does not match: changed, or signed with another secret.
        case tampered
        case expired(Date)
    }

    /// The secret's bytes; a `SymmetricKey` is made per use (it is not `Sendable`).
    private let secret: Data
    let base: String
    let ttl: TimeInterval

    /// Nil when `web` has no `public_url` and `secret`: no links then.
    public init?(config: WebConfig) {
        guard let key = config.secret, let publicURL = config.publicURL else { return nil }
        secret = Data(key.value.utf8)
        base = publicURL
        ttl = config.linkTTL.seconds
    }

    /// `https://ringback.example.com/a/<payload>.<signature>`
    public func url(_ action: Action, voicemailID: Int64, now: Date) -> String {
        let expires = Int64(now.addingTimeInterval(ttl).timeIntervalSince1970)
        let nonce = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16)
        let payload = Data("1.\(voicemailID).\(action.rawValue).\(expires).\(nonce)".utf8)
        let signature = Data(HMAC<SHA256>.authenticationCode(for: payload, using: SymmetricKey(data: secret)))
        return "\(base)/a/\(Self.base64URL(payload)).\(Self.base64URL(signature))"
    }

    /// The claim in a link's token, if it is genuine and current. The signature is compared in constant time.
    public func verify(_ token: String, now: Date) -> Result<Claim, Failure> {
        let pieces = token.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count == 2, let payload = Self.data(base64URL: pieces[0]), let signature = Self.data(base64URL: pieces[1]) else {
            return .failure(.malformed)
        }
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: payload, using: SymmetricKey(data: secret)) else {
            return .failure(.tampered)
        }
        let fields = String(decoding: payload, as: UTF8.self).split(separator: ".")
        guard fields.count == 5, fields[0] == "1", let id = Int64(fields[1]), let action = Action(rawValue: String(fields[2])),
            let expiry = Int64(fields[3])
        else { return .failure(.malformed) }
        let expires = Date(timeIntervalSince1970: TimeInterval(expiry))
        guard now < expires else { return .failure(.expired(expires)) }
        return .success(Claim(voicemailID: id, action: action, expires: expires, nonce: String(fields[4])))
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func data(base64URL text: Substring) -> Data? {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
