public import Foundation
public import RingbackCore

/// Delivers a rendered message. One type per transport; the pipeline only knows this protocol.
public protocol MailTransport: Sendable {
    var name: String { get }
    /// Succeeds when at least one recipient took the message; the report names any that refused it.
    @discardableResult
    func deliver(_ message: OutgoingMessage) async throws(MailError) -> DeliveryReport
    /// Whether the transport would take a message now, tried without sending one: after an outage, queued cards go
    /// as soon as this says yes instead of waiting out their back-off.
    func isAnswering() async -> Bool
}

extension MailTransport {
    public func isAnswering() async -> Bool { true }
}

/// A rendered message on disk and its envelope.
public struct OutgoingMessage: Sendable {
    public var file: URL
    public var from: MailAddress
    public var recipients: [MailAddress]
    /// Stable per card: a transport that can deduplicate (Maildir) uses it to make a resend replace, not add.
    public var token: String

    public init(file: URL, from: MailAddress, recipients: [MailAddress], token: String) {
        self.file = file
        self.from = from
        self.recipients = recipients
        self.token = token
    }
}
