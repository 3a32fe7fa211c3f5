import Foundation
import RingbackCore
import RingbackCurl

/// Sends cards through an SMTP relay with libcurl: STARTTLS required unless configured off, TLS verified, and never
/// unauthenticated when credentials are configured.
public struct SMTPTransport: MailTransport {
    let client: SMTPClient

    public init(_ config: SMTPConfig) {
        client = SMTPClient(
            .init(
                url: config.url,
                tls: config.starttls == .required ? .required : .none,
                username: config.username,
                password: config.password?.value,
                oauth2Token: config.oauth2Token?.value,
                caFile: config.caFile,
                timeout: config.timeout.duration))
    }

    /// Without credentials, even if the URL carries them.
    public var name: String { "smtp:\(client.options.displayURL)" }

    @discardableResult
    public func deliver(_ message: OutgoingMessage) async throws(MailError) -> DeliveryReport {
        let receipt: SMTPReceipt
        do {
            receipt = try await client.send(messageFile: message.file, from: message.from.address, to: message.recipients.map(\.address))
        } catch {
            throw MailError(
                code: error.isPermanent ? .rejected : .transport, message: error.message + Self.hint(error.kind),
                responseCode: error.responseCode, refused: error.refused.map { Self.refusal($0, among: message.recipients) })
        }
        let refused = receipt.refused.map { Self.refusal($0, among: message.recipients) }
        let refusedAddresses = Set(receipt.refused.map(\.recipient))
        return DeliveryReport(accepted: message.recipients.filter { !refusedAddresses.contains($0.address) }, refused: refused)
    }

    /// Connects, upgrades, logs in and says NOOP: everything a card needs short of sending one.
    /// EHLO, STARTTLS, AUTH and NOOP succeed: the server is back.
    public func isAnswering() async -> Bool { (try? await verify()) != nil }

    public func verify() async throws(MailError) -> [String] {
        do {
            return try await client.verify()
        } catch {
            throw MailError(code: error.isPermanent ? .rejected : .transport, message: error.message + Self.hint(error.kind), responseCode: error.responseCode)
        }
    }

    private static func refusal(_ refusal: SMTPReceipt.Refusal, among recipients: [MailAddress]) -> DeliveryReport.Refusal {
        let recipient = recipients.first { $0.address == refusal.recipient } ?? MailAddress(address: refusal.recipient)
        return DeliveryReport.Refusal(recipient: recipient, reply: refusal.reply, responseCode: refusal.responseCode)
    }

    /// What to change in the configuration, for failures only the configuration can fix.
    private static func hint(_ kind: SMTPError.Kind) -> String {
        switch kind {
        case .startTLSUnavailable:
            " — use smtps:// if the relay speaks TLS on connect (port 465); set mail.smtp.starttls: none only for a relay on a trusted network"
        case .authenticationUnavailable:
            " — check mail.smtp.url (the submission ports 587 and 465 usually offer AUTH), or remove mail.smtp.username to send without logging in"
        case .authenticationFailed:
            " — check mail.smtp.username and mail.smtp.password (or mail.smtp.oauth2_token)"
        case .tlsVerification:
            " — set mail.smtp.ca_file to the CA that signed the relay's certificate"
        default:
            ""
        }
    }
}
