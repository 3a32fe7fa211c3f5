import Foundation
import RingbackCurl

/// Sends cards through an SMTP relay with libcurl: STARTTLS required unless configured off, TLS verified.
public struct SMTPTransport: MailTransport {
    let client: SMTPClient

    public init(_ config: SMTPConfig) {
        client = SMTPClient(
            .init(
                url: config.url,
                tls: config.starttls == .required ? .required : .none,
                username: config.username,
                password: config.password?.value,
                caFile: config.caFile,
                timeout: config.timeout.duration))
    }

    public var name: String { "smtp:\(client.options.url)" }

    public func deliver(_ message: OutgoingMessage) async throws(MailError) {
        do {
            try await client.send(messageFile: message.file, from: message.from.address, to: message.recipients.map(\.address))
        } catch {
            let reply = error.responseCode.map { " (server replied \($0))" } ?? ""
            let code: MailError.Code = error.isTransient ? .transport : .rejected
            throw MailError(code: code, message: "\(error.url): \(error.message)\(reply)", responseCode: error.responseCode)
        }
    }
}
