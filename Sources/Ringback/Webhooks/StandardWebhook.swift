import Crypto
public import Foundation
public import RingbackCore

/// Standard Webhooks 1.0 (standardwebhooks.com): the headers that let a receiver check that a POST came from
/// Ringback, unchanged and recently. `webhook-id` names the message (the same on every try), `webhook-timestamp` is
/// the try's Unix time, `webhook-signature` is `v1,` and base64 HMAC-SHA256 over `id.timestamp.body`, keyed with the
/// bytes after `whsec_` (base64), or with the secret's text when it has no such prefix.
public enum StandardWebhook {
    public static func headers(id: String, timestamp: Date, body: Data, secret: Secret) -> [(name: String, value: String)] {
        let seconds = "\(Int(timestamp.timeIntervalSince1970))"
        return [
            ("webhook-id", id), ("webhook-timestamp", seconds),
            ("webhook-signature", "v1," + signature(id: id, timestamp: seconds, body: body, secret: secret)),
        ]
    }

    public static func signature(id: String, timestamp: String, body: Data, secret: Secret) -> String {
        let text = secret.value
        let key =
            text.hasPrefix("whsec_") ? (Data(base64Encoded: String(text.dropFirst("whsec_".count))) ?? Data(text.utf8)) : Data(text.utf8)
        let signed = Data("\(id).\(timestamp).".utf8) + body
        return Data(HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: key))).base64EncodedString()
    }

    /// `msg_` and 26 hex digits of SHA-256 over `key`: the same event gets the same id in every process.
    public static func messageID(for key: String) -> String {
        "msg_" + SHA256.hash(data: Data(key.utf8)).map { String(format: "%02x", $0) }.joined().prefix(26)
    }
}
