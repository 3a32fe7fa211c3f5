import Foundation
import Ringback
import RingbackCore
import RingbackTesting
import Testing

/// Cards through a real SMTP server (aiosmtpd): what is delivered, what is refused, and which failures are worth a retry.
@Suite struct SMTPDeliveryTests {
    let folder: TemporaryDirectory
    let card: URL

    init() throws {
        folder = try TemporaryDirectory("smtp-delivery")
        card = folder.url.appendingPathComponent("card.eml")
        try Data("From: voicemail@example.com\r\nTo: owner@example.com\r\nSubject: Voicemail\r\n\r\nCall back.\r\n".utf8).write(to: card)
    }

    func message(to recipients: [String]) -> OutgoingMessage {
        OutgoingMessage(
            file: card, from: MailAddress(address: "voicemail@example.com"),
            recipients: recipients.compactMap { MailAddress(parsing: $0) }, token: "t1")
    }

    static func config(_ yaml: String, environment: [String: String] = [:]) throws -> MailConfig {
        try PipelineConfig.parse(
            """
            owner: { name: "Acme Plumbing", email: owner@example.com, timezone: America/Chicago }
            intake:
              - { path: ./spool, layout: plain }
            mail:
              from: "Ringback <voicemail@example.com>"
              to: [owner@example.com]
            \(yaml)
            """, environment: environment
        ).mail
    }

    @Test func aCardGoesThroughSMTPSWithTheCertificateVerified() async throws {
        let sink = try await SMTPSink.start(.init(implicitTLS: true, auth: .init(user: "ringback", password: "s3cret")))
        defer { sink.stop() }
        let harness = try Harness()
        let smtp = try #require(
            try Self.config(
                """
                  transport: smtp
                  smtp: { url: "\(sink.url)", username: ringback, password: "${SMTP_PASSWORD}", ca_file: "\(sink.caFile.path)" }
                """, environment: ["SMTP_PASSWORD": "s3cret"]
            ).smtp)
        let file = try harness.drop("call.wav")
        let outcome = await (try harness.pipeline(transport: SMTPTransport(smtp))).process(file)
        #expect(outcome.status == .notified, "\(outcome.detail)")
        let mail = try #require(try await sink.waitForMessages(count: 1).first)
        #expect(mail.envelopeTo == ["owner@example.com"])
        #expect(mail.auth?.login == "ringback")
        #expect(mail.defects.isEmpty, "\(mail.defects)")
    }

    @Test func aWrongCAForSMTPSIsAPermanentTLSError() async throws {
        let sink = try await SMTPSink.start(.init(implicitTLS: true))
        let other = try await SMTPSink.start(.init(implicitTLS: true))
        defer { sink.stop() }
        other.stop()
        let transport = SMTPTransport(SMTPConfig(url: sink.url, caFile: other.caFile.path, timeout: ConfigDuration(.seconds(10))))
        let error = try await #require(throws: MailError.self) { try await transport.deliver(message(to: ["owner@example.com"])) }
        #expect(error.code == .rejected)
        #expect(error.isPermanent)
        #expect(error.message.contains("TLS certificate not trusted"), "\(error)")
        #expect(error.message.contains("mail.smtp.ca_file"), "the message says what to change: \(error)")
    }

    @Test func aRefusedRecipientIsReportedWhileTheOthersGetTheCard() async throws {
        let sink = try await SMTPSink.start(.init(rejectRecipients: ["left@example.com"]))
        defer { sink.stop() }
        let transport = SMTPTransport(SMTPConfig(url: sink.url, caFile: sink.caFile.path, timeout: ConfigDuration(.seconds(10))))
        let report = try await transport.deliver(message(to: ["Owner <owner@example.com>", "left@example.com", "tech@example.com"]))
        #expect(report.accepted.map(\.address) == ["owner@example.com", "tech@example.com"])
        #expect(
            report.refused == [
                DeliveryReport.Refusal(
                    recipient: MailAddress(address: "left@example.com"), reply: "550 5.1.1 <left@example.com>: Recipient address rejected",
                    responseCode: 550)
            ])
        #expect(report.refused.first?.description == "left@example.com refused: 550 5.1.1 <left@example.com>: Recipient address rejected")
        #expect(try await sink.waitForMessages(count: 1).first?.envelopeTo == ["owner@example.com", "tech@example.com"])
    }

    @Test func whenEveryRecipientIsRefusedTheErrorIsPermanentAndNamesThem() async throws {
        let sink = try await SMTPSink.start(.init(rejectRecipients: ["owner@example.com"]))
        defer { sink.stop() }
        let transport = SMTPTransport(SMTPConfig(url: sink.url, caFile: sink.caFile.path, timeout: ConfigDuration(.seconds(10))))
        let error = try await #require(throws: MailError.self) { try await transport.deliver(message(to: ["owner@example.com"])) }
        #expect(error.code == .rejected)
        #expect(error.isPermanent)
        #expect(error.responseCode == 550)
        #expect(error.refused.map(\.recipient.address) == ["owner@example.com"])
    }

    @Test func aWrongPasswordIsPermanentAndQuotesTheServer() async throws {
        let sink = try await SMTPSink.start(.init(auth: .init(user: "ringback", password: "s3cret")))
        defer { sink.stop() }
        let transport = SMTPTransport(
            SMTPConfig(url: sink.url, username: "ringback", password: Secret("hunter2-typo"), caFile: sink.caFile.path, timeout: ConfigDuration(.seconds(10))))
        let error = try await #require(throws: MailError.self) { try await transport.deliver(message(to: ["owner@example.com"])) }
        #expect(error.code == .rejected)
        #expect(error.isPermanent)
        #expect(error.responseCode == 535)
        #expect(error.message.contains("refused the login of ringback: 535 5.7.8 Authentication credentials invalid"), "\(error)")
        #expect(!error.message.contains("hunter2"))
    }

    @Test func aServerThatIsDownIsTransient() async throws {
        let sink = try await SMTPSink.start()
        sink.stop()
        let transport = SMTPTransport(SMTPConfig(url: sink.url, caFile: sink.caFile.path, timeout: ConfigDuration(.seconds(10))))
        let error = try await #require(throws: MailError.self) { try await transport.deliver(message(to: ["owner@example.com"])) }
        #expect(error.code == .transport)
        #expect(!error.isPermanent)
        #expect(error.responseCode == nil)
    }

    @Test func aRelayWithoutStartTLSSaysSoAndWhatToChange() async throws {
        let sink = try await SMTPSink.start(.init(tls: false, requireStartTLS: false))
        defer { sink.stop() }
        let transport = SMTPTransport(SMTPConfig(url: sink.url, timeout: ConfigDuration(.seconds(10))))
        let error = try await #require(throws: MailError.self) { try await transport.deliver(message(to: ["owner@example.com"])) }
        #expect(error.isPermanent)
        #expect(error.message.contains("did not offer STARTTLS"), "\(error)")
        #expect(error.message.contains("mail.smtp.starttls"), "\(error)")
        #expect(try sink.messages().isEmpty)
    }

    @Test func configuredCredentialsAreNeverSkippedWhenTheRelayOffersNoAuth() async throws {
        let sink = try await SMTPSink.start(.init(offerAuth: false))
        defer { sink.stop() }
        let transport = SMTPTransport(
            SMTPConfig(url: sink.url, username: "ringback", password: Secret("s3cret"), caFile: sink.caFile.path, timeout: ConfigDuration(.seconds(10))))
        let error = try await #require(throws: MailError.self) { try await transport.deliver(message(to: ["owner@example.com"])) }
        #expect(error.code == .rejected)
        #expect(error.message.contains("offered no AUTH"), "\(error)")
        try await Task.sleep(for: .milliseconds(300))
        #expect(try sink.messages().isEmpty)
    }

    @Test func anOAuth2TokenFromTheEnvironmentLogsInWithXOAUTH2AndNeverPrints() async throws {
        let token = "ya29.a0AfH6SMB-secret"
        let sink = try await SMTPSink.start(.init(oauth2: .init(user: "ringback@example.com", token: token)))
        defer { sink.stop() }
        let mail = try Self.config(
            """
              transport: smtp
              smtp: { url: "\(sink.url)", username: ringback@example.com, oauth2_token: "${SMTP_TOKEN}", ca_file: "\(sink.caFile.path)" }
            """, environment: ["SMTP_TOKEN": token])
        let smtp = try #require(mail.smtp)
        #expect(smtp.oauth2Token?.value == token)
        let transport = SMTPTransport(smtp)
        try await transport.deliver(message(to: ["owner@example.com"]))
        let received = try #require(try await sink.waitForMessages(count: 1).first)
        #expect(received.auth?.mechanism == "XOAUTH2")
        #expect(received.auth?.login == "ringback@example.com")
        for text in ["\(mail)", String(reflecting: mail), "\(transport)", String(reflecting: transport), transport.name] {
            #expect(!text.contains(token), "\(text)")
        }

        var expired = smtp
        expired.oauth2Token = Secret("ya29.expired-token")
        let error = try await #require(throws: MailError.self) { try await SMTPTransport(expired).deliver(message(to: ["owner@example.com"])) }
        #expect(error.isPermanent)
        #expect(error.responseCode == 535)
        #expect(!"\(error)".contains("ya29.expired-token"))
        #expect(!String(reflecting: error).contains("ya29.expired-token"))
    }

    @Test func anOAuth2TokenNeedsAUsernameAndExcludesAPassword() {
        func failure(_ smtp: String) -> ConfigError? {
            do {
                _ = try Self.config("  transport: smtp\n  smtp: \(smtp)", environment: ["T": "tok"])
                return nil
            } catch let error as ConfigError {
                return error
            } catch {
                return nil
            }
        }
        #expect(failure("{ url: \"smtp://mail.example.com:587\", oauth2_token: \"${T}\" }")?.key == "mail.smtp.username")
        #expect(failure("{ url: \"smtp://mail.example.com:587\", username: u, password: p, oauth2_token: \"${T}\" }")?.key == "mail.smtp.oauth2_token")
        #expect(failure("{ url: \"smtp://mail.example.com:587\", username: u, oauth2_token: \"${T}\" }") == nil)
    }

    @Test func ccIsParsedAndValidatedLikeTo() throws {
        #expect(try Self.config("").cc.isEmpty)
        #expect(try Self.config("  cc: backup@example.com").cc == [MailAddress(address: "backup@example.com")])
        let two = try Self.config("  cc: [\"Office <office@example.com>\", tech@example.com]").cc
        #expect(two == [MailAddress(name: "Office", address: "office@example.com"), MailAddress(address: "tech@example.com")])
        do {
            _ = try Self.config("  cc: [office@example.com, \"not an address\"]")
            Issue.record("a bad cc address must be refused")
        } catch let error as ConfigError {
            #expect(error.key == "mail.cc")
            #expect(error.message.contains("not an address"))
        }
    }
}
