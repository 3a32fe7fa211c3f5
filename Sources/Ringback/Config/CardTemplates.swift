import Foundation
import Mustache

/// `mail.templates`: the admin's own subject, text and HTML for the card, as Mustache templates.
///
/// Each is optional; what is not given uses Ringback's built-in card. Subject and text render without HTML
/// escaping (the subject is then stripped of line breaks, so no value can add a header); the HTML template escapes
/// every `{{value}}`, and `{{{value}}}` is the admin's explicit choice not to.
public struct CardTemplates: Sendable, Decodable {
    public var subject: String?
    public var text: String?
    public var html: String?
    private var compiled: Compiled?

    struct Compiled: Sendable {
        var subject: MustacheTemplate?
        var text: MustacheTemplate?
        var html: MustacheTemplate?
    }

    public init(subject: String? = nil, text: String? = nil, html: String? = nil) {
        self.subject = subject
        self.text = text
        self.html = html
    }

    enum CodingKeys: String, CodingKey, CaseIterable { case subject, text, html }

    public init(from decoder: any Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        subject = try container.decodeIfPresent(String.self, forKey: .subject)
        text = try container.decodeIfPresent(String.self, forKey: .text)
        html = try container.decodeIfPresent(String.self, forKey: .html)
    }

    public var isEmpty: Bool { subject == nil && text == nil && html == nil }

    /// Reads and parses every template file; an unreadable file or a Mustache syntax error names its key.
    public mutating func load() throws(ConfigError) {
        func compile(_ path: String?, key: String, escapesHTML: Bool) throws(ConfigError) -> MustacheTemplate? {
            guard let path else { return nil }
            let source: String
            do {
                source = try String(contentsOf: URL(fileURLWithPath: path), encoding: .utf8)
            } catch {
                throw ConfigError(.unreadable, key: "mail.templates.\(key)", "cannot read \(path): \(error.localizedDescription)")
            }
            do {
                return try MustacheTemplate(string: escapesHTML ? source : "{{% CONTENT_TYPE: TEXT }}" + source)
            } catch {
                throw ConfigError(.invalid, key: "mail.templates.\(key)", "\(path) is not a valid Mustache template: \(error)")
            }
        }
        compiled = Compiled(
            subject: try compile(subject, key: "subject", escapesHTML: false),
            text: try compile(text, key: "text", escapesHTML: false),
            html: try compile(html, key: "html", escapesHTML: true))
    }

    func renderSubject(_ values: [String: Any]) -> String? { compiled?.subject?.render(values) }
    func renderText(_ values: [String: Any]) -> String? { compiled?.text?.render(values) }
    func renderHTML(_ values: [String: Any]) -> String? { compiled?.html?.render(values) }
}
