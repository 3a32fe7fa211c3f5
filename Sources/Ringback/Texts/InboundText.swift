import Crypto
public import Foundation
public import RingbackCore

/// A text a caller sent back, as a provider's inbound webhook delivers it: checked to come from the provider, then
/// read for an opt-out word.
public enum InboundText {
    /// The words that opt out (CTIA's list, as Twilio and Telnyx honour them), alone in the message, any case.
    public static let optOutWords: Set<String> = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"]

    public static func isOptOut(_ text: String) -> Bool {
        optOutWords.contains(text.trimmingCharacters(in: .whitespacesAndNewlines.union(.punctuationCharacters)).uppercased())
    }

    /// Twilio's `X-Twilio-Signature`: Base64(HMAC-SHA1(auth token, the full URL Twilio called + each POST parameter's
    /// name and value, sorted by name)), compared in constant time.
    public static func twilioSignatureIsValid(url: String, parameters: [(name: String, value: String)], signature: String, authToken: Secret) -> Bool {
        guard let given = Data(base64Encoded: signature) else { return false }
        let signed = url + parameters.sorted { $0.name < $1.name }.map { $0.name + $0.value }.joined()
        return HMAC<Insecure.SHA1>.isValidAuthenticationCode(given, authenticating: Data(signed.utf8), using: SymmetricKey(data: Data(authToken.value.utf8)))
    }

    /// Telnyx's Ed25519 signature (`telnyx-signature-ed25519`, base64) over `timestamp|body`, with the account's
    /// public key (base64); a timestamp more than 5 minutes from `now` is refused, so a captured request cannot be
    /// replayed later.
    public static func telnyxSignatureIsValid(body: Data, timestamp: String, signature: String, publicKey: String, now: Date) -> Bool {
        guard let seconds = TimeInterval(timestamp), abs(now.timeIntervalSince1970 - seconds) <= 300,
            let signatureBytes = Data(base64Encoded: signature), let keyBytes = Data(base64Encoded: publicKey),
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes)
        else { return false }
        return key.isValidSignature(signatureBytes, for: Data("\(timestamp)|".utf8) + body)
    }

    /// `application/x-www-form-urlencoded` pairs in order, `+` as space.
    public static func form(_ body: Data) -> [(name: String, value: String)]? {
        guard let text = String(data: body, encoding: .utf8) else { return nil }
        var pairs: [(name: String, value: String)] = []
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ part: Substring) -> String? { String(part).replacingOccurrences(of: "+", with: " ").removingPercentEncoding }
            guard let name = decode(parts[0]), let value = parts.count == 2 ? decode(parts[1]) : "" else { return nil }
            pairs.append((name, value))
        }
        return pairs
    }
}
