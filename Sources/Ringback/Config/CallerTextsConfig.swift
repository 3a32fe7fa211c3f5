import Foundation
import Mustache
public import RingbackCore

/// `caller_texts`: a text to the caller when their callback opens, with the time by which they will be called.
/// Off until configured.
public struct CallerTextsConfig: Sendable, Decodable {
    /// Who sends the texts.
    public struct Provider: Sendable, Decodable {
        /// `webhook`: a signed POST to a URL of the admin's (a gateway, a CRM) that sends the text itself.
        public enum Kind: String, Sendable, CaseIterable { case twilio, telnyx, webhook }

        public var kind: Kind
        /// The API's base URL: `https://api.twilio.com`, `https://api.telnyx.com`.
        public var url: String
        /// Twilio's Account SID (`AC…`).
        public var accountSID: String?
        /// Twilio's auth token, Telnyx's API key, or the webhook's signing secret (`whsec_…`).
        public var token: Secret
        /// The business's number texts come from (E.164).
        public var from: String
        public var timeout: ConfigDuration
        /// Telnyx's public key (base64), to check the signature of its inbound-message webhook.
        public var publicKey: String?

        public init(kind: Kind, url: String, accountSID: String? = nil, token: Secret, from: String, timeout: ConfigDuration = .init(.seconds(15))) {
            self.kind = kind
            self.url = url
            self.accountSID = accountSID
            self.token = token
            self.from = from
            self.timeout = timeout
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case kind, url
            case accountSID = "account_sid"
            case authToken = "auth_token"
            case apiKey = "api_key"
            case from, timeout
            case publicKey = "public_key"
            case secret
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            kind = try container.decodeChoice(.kind, default: .twilio)
            let fallback: String? = kind == .twilio ? "https://api.twilio.com" : kind == .telnyx ? "https://api.telnyx.com" : nil
            guard let given = try container.decodeIfPresent(String.self, forKey: .url) ?? fallback else {
                throw ConfigError(.missing, key: (container.codingPath + [CodingKeys.url]).dotted, "the webhook needs the URL to post texts to")
            }
            url = given.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            guard url.hasPrefix("https://") || url.hasPrefix("http://127.0.0.1") || url.hasPrefix("http://localhost") else {
                throw container.invalid(.url, "must be https:// (texts carry a caller's number), found \"\(url)\"")
            }
            switch kind {
            case .twilio:
                accountSID = try container.decodeNonEmpty(.accountSID)
                guard let token = try container.decodeIfPresent(Secret.self, forKey: .authToken), !token.isEmpty else {
                    throw ConfigError(.missing, key: (container.codingPath + [CodingKeys.authToken]).dotted, "Twilio needs the account's auth token")
                }
                self.token = token
            case .telnyx:
                accountSID = nil
                guard let token = try container.decodeIfPresent(Secret.self, forKey: .apiKey), !token.isEmpty else {
                    throw ConfigError(.missing, key: (container.codingPath + [CodingKeys.apiKey]).dotted, "Telnyx needs an API key")
                }
                self.token = token
            case .webhook:
                accountSID = nil
                guard let secret = try container.decodeIfPresent(Secret.self, forKey: .secret), secret.value.count >= 16 else {
                    throw ConfigError(
                        .missing, key: (container.codingPath + [CodingKeys.secret]).dotted,
                        "the webhook needs a signing secret of at least 16 characters (whsec_ and base64, or any text)")
                }
                self.token = secret
            }
            from = try container.decodeNonEmpty(.from)
            guard PhoneNumber.isE164(from) else {
                throw container.invalid(.from, "expected the sending number in E.164, like +15550001111, found \"\(from)\"")
            }
            timeout = try container.decodeIfPresent(ConfigDuration.self, forKey: .timeout) ?? .init(.seconds(15))
            publicKey = try container.decodeIfPresent(String.self, forKey: .publicKey)
            if let key = publicKey, Data(base64Encoded: key)?.count != 32 {
                throw container.invalid(.publicKey, "expected Telnyx's Ed25519 public key, 32 bytes in base64")
            }
        }
    }

    /// What happens to a text whose moment falls in `quiet_hours`.
    public enum Quiet: String, Sendable, CaseIterable {
        /// Sent when the quiet hours end (if the callback is still open and its promise still ahead).
        case wait
        /// Not sent.
        case drop
    }

    public var provider: Provider
    /// At most one text per caller in this long.
    public var cooldown: ConfigDuration
    public var quietHours: QuietHours?
    public var quiet: Quiet
    /// A call older than this when its callback opens gets no text: a batch `reprocess` of last month texts nobody.
    public var maxAge: ConfigDuration
    /// Logs and records what would be sent; sends nothing.
    public var dryRun: Bool
    /// Numbers (E.164) texted when an urgent callback opens: the caller, the first words of what they said, the
    /// deadline. Once per callback each; quiet hours and the cooldown do not apply.
    public var urgentTextTo: [String] = []
    /// When set: a callback still open this long before its deadline texts the caller once more, with a later time
    /// (the deadline counted again from it), and the deadline moves there. The card's "Running late?" link does the
    /// same at the owner's word, whether or not this is set.
    public var runningLate: ConfigDuration?
    /// Mustache, with `business`, `promise` ("by 3:00 PM today") and `deadline`: the text when a message was left,
    /// when the call was missed, when the call came outside business hours, and the running-late update.
    public var templates: Templates

    public struct Templates: Sendable, Decodable {
        public var message: String
        public var missed: String
        public var afterHours: String
        public var late: String

        public static let defaultMessage = "Thanks for calling {{business}}. We got your message and will call you back {{promise}}."
        public static let defaultMissed = "Thanks for calling {{business}}. Sorry we missed your call; we will call you back {{promise}}."
        public static let defaultAfterHours = "Thanks for calling {{business}}. We are closed now; we will call you back {{promise}}."
        public static let defaultLate = "Sorry, {{business}} is running late. We will call you back {{promise}}."

        public init(
            message: String = defaultMessage, missed: String = defaultMissed, afterHours: String = defaultAfterHours, late: String = defaultLate
        ) {
            self.message = message
            self.missed = missed
            self.afterHours = afterHours
            self.late = late
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case message, missed
            case afterHours = "after_hours"
            case late
        }

        public init(from decoder: any Decoder) throws {
            try decoder.rejectUnknownKeys(CodingKeys.self)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            message = try container.decodeIfPresent(String.self, forKey: .message) ?? Self.defaultMessage
            missed = try container.decodeIfPresent(String.self, forKey: .missed) ?? Self.defaultMissed
            afterHours = try container.decodeIfPresent(String.self, forKey: .afterHours) ?? Self.defaultAfterHours
            late = try container.decodeIfPresent(String.self, forKey: .late) ?? Self.defaultLate
            for (key, template) in [(CodingKeys.message, message), (.missed, missed), (.afterHours, afterHours), (.late, late)] {
                guard template.contains("{{promise}}") else {
                    throw container.invalid(key, "must say {{promise}}: the time the caller is promised is the point of the text")
                }
                do {
                    _ = try MustacheTemplate(string: template)
                } catch {
                    throw container.invalid(key, "is not a valid Mustache template: \(error)")
                }
            }
        }

        /// The text for `values` (`business`, `promise`, `deadline`), plain, on one line.
        public func render(_ template: String, _ values: [String: String]) -> String {
            let rendered = (try? MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT }}" + template))?.render(values) ?? template
            return TextSafety.line(rendered).trimmingCharacters(in: .whitespaces)
        }
    }

    public init(
        provider: Provider, cooldown: ConfigDuration = .init(.seconds(86400)), quietHours: QuietHours? = nil, quiet: Quiet = .wait,
        maxAge: ConfigDuration = .init(.seconds(3 * 3600)), dryRun: Bool = false, templates: Templates = .init()
    ) {
        self.provider = provider
        self.cooldown = cooldown
        self.quietHours = quietHours
        self.quiet = quiet
        self.maxAge = maxAge
        self.dryRun = dryRun
        self.templates = templates
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case provider, cooldown
        case quietHours = "quiet_hours"
        case quiet
        case maxAge = "max_age"
        case dryRun = "dry_run"
        case templates
        case urgentTextTo = "urgent_text_to"
        case runningLate = "running_late"
    }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        provider = try container.decode(Provider.self, forKey: .provider)
        urgentTextTo = try container.decodeIfPresent([String].self, forKey: .urgentTextTo) ?? []
        for number in urgentTextTo where !PhoneNumber.isE164(number) {
            throw container.invalid(.urgentTextTo, "expected E.164 numbers like +15551230000, found \"\(number)\"")
        }
        cooldown = try container.decodeIfPresent(ConfigDuration.self, forKey: .cooldown) ?? .init(.seconds(86400))
        if let text = try container.decodeIfPresent(String.self, forKey: .quietHours) {
            guard let hours = QuietHours(parsing: text) else { throw container.invalid(.quietHours, "expected hours like \"21:00-08:00\", found \"\(text)\"") }
            quietHours = hours
        }
        quiet = try container.decodeChoice(.quiet, default: .wait)
        maxAge = try container.decodeIfPresent(ConfigDuration.self, forKey: .maxAge) ?? .init(.seconds(3 * 3600))
        dryRun = try container.decodeIfPresent(Bool.self, forKey: .dryRun) ?? false
        templates = try container.decodeIfPresent(Templates.self, forKey: .templates) ?? .init()
        runningLate = try container.decodeIfPresent(ConfigDuration.self, forKey: .runningLate)
    }
}
