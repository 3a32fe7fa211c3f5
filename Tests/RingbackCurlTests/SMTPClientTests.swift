import Foundation
import RingbackCurl
import RingbackTesting
import Testing

@Suite struct SMTPClientTests {
    let folder: TemporaryDirectory
    let message: URL

    init() throws {
        folder = try TemporaryDirectory("smtp")
        message = folder.url.appendingPathComponent("card.eml")
        let text = "From: a@example.com\r\nTo: b@example.com\r\nSubject: hello\r\nMessage-ID: <t1@example.com>\r\n\r\nbody line\r\n.leading dot\r\n"
        try Data(text.utf8).write(to: message)
    }

    @discardableResult
    func send(_ client: SMTPClient, to recipients: [String] = ["b@example.com"]) async throws(SMTPError) -> SMTPReceipt {
        try await client.send(messageFile: message, from: "a@example.com", to: recipients)
    }

    @Test func sendsOverStartTLSWithAuthentication() async throws {
        let sink = try await SMTPSink.start(.init(tls: true, requireStartTLS: true, auth: .init(user: "ringback", password: "s3cret")))
        defer { sink.stop() }
        let client = SMTPClient(.init(url: sink.url, tls: .required, username: "ringback", password: "s3cret", caFile: sink.caFile.path))
        let receipt = try await send(client)
        #expect(receipt == SMTPReceipt(accepted: ["b@example.com"]))
        let mail = try #require(try await sink.waitForMessages(count: 1).first)
        #expect(mail.envelopeFrom == "a@example.com")
        #expect(mail.envelopeTo == ["b@example.com"])
        #expect(mail.auth?.login == "ringback")
        #expect(mail.header("Subject") == "hello")
        #expect(mail.defects.isEmpty)
        // Dot-stuffing is libcurl's job: the line arrives intact.
        #expect(try String(decoding: mail.raw(), as: UTF8.self).contains("\r\n.leading dot\r\n"))
    }

    @Test func aWrongPasswordIsPermanentAndQuotesTheServer() async throws {
        let sink = try await SMTPSink.start(.init(tls: true, requireStartTLS: true, auth: .init(user: "ringback", password: "s3cret")))
        defer { sink.stop() }
        let client = SMTPClient(.init(url: sink.url, username: "ringback", password: "hunter2-typo", caFile: sink.caFile.path))
        let error = try await #require(throws: SMTPError.self) { try await send(client) }
        #expect(error.kind == .authenticationFailed)
        #expect(error.curlCode == 67)  // CURLE_LOGIN_DENIED
        #expect(error.responseCode == 535)
        #expect(error.serverReply == "535 5.7.8 Authentication credentials invalid")
        #expect(error.message.contains("535 5.7.8 Authentication credentials invalid"), "\(error)")
        #expect(error.isPermanent)
        #expect(!"\(error)".contains("hunter2"))
        #expect(try sink.messages().isEmpty)
    }

    @Test func aServerThatIsDownIsTransient() async throws {
        let sink = try await SMTPSink.start()
        sink.stop()  // nobody listens on that port now
        let error = try await #require(throws: SMTPError.self) { try await send(SMTPClient(.init(url: sink.url, caFile: sink.caFile.path))) }
        #expect(error.kind == .connection)
        #expect(error.curlCode == 7)  // CURLE_COULDNT_CONNECT
        #expect(error.responseCode == nil)
        #expect(!error.isPermanent)
    }

    @Test func aServerWithoutStartTLSIsRefusedWhenTLSIsRequired() async throws {
        let sink = try await SMTPSink.start(.init(tls: false, requireStartTLS: false))
        defer { sink.stop() }
        let error = try await #require(throws: SMTPError.self) { try await send(SMTPClient(.init(url: sink.url, tls: .required))) }
        #expect(error.kind == .startTLSUnavailable)
        #expect(error.curlCode == 64)  // CURLE_USE_SSL_FAILED
        #expect(error.message.contains("did not offer STARTTLS"), "\(error)")
        #expect(error.isPermanent)
        #expect(try sink.messages().isEmpty)
    }

    @Test func plainTextDeliveryNeedsAnExplicitOptOut() async throws {
        let sink = try await SMTPSink.start(.init(tls: false, requireStartTLS: false))
        defer { sink.stop() }
        try await send(SMTPClient(.init(url: sink.url, tls: .none)))
        #expect(try await sink.waitForMessages(count: 1).count == 1)
    }

    @Test func anUntrustedCertificateIsRefused() async throws {
        let sink = try await SMTPSink.start(.init(tls: true, requireStartTLS: true))
        defer { sink.stop() }
        let error = try await #require(throws: SMTPError.self) { try await send(SMTPClient(.init(url: sink.url, tls: .required))) }
        #expect(error.kind == .tlsVerification)
        #expect(error.curlCode == 60)  // CURLE_PEER_FAILED_VERIFICATION
        #expect(error.isPermanent)
        #expect(try sink.messages().isEmpty)
    }

    @Test func implicitTLSDeliversWithTheCertificateVerified() async throws {
        let sink = try await SMTPSink.start(.init(implicitTLS: true, auth: .init(user: "ringback", password: "s3cret")))
        defer { sink.stop() }
        #expect(sink.url.hasPrefix("smtps://"))
        try await send(SMTPClient(.init(url: sink.url, username: "ringback", password: "s3cret", caFile: sink.caFile.path)))
        let mail = try #require(try await sink.waitForMessages(count: 1).first)
        #expect(mail.auth?.login == "ringback")
        #expect(mail.header("Subject") == "hello")
    }

    @Test func implicitTLSWithTheWrongCAIsATLSError() async throws {
        let sink = try await SMTPSink.start(.init(implicitTLS: true))
        let other = try await SMTPSink.start(.init(implicitTLS: true))  // a different self-signed certificate
        defer { sink.stop() }
        other.stop()
        let error = try await #require(throws: SMTPError.self) {
            try await send(SMTPClient(.init(url: sink.url, caFile: other.caFile.path)))
        }
        #expect(error.kind == .tlsVerification)
        #expect(error.message.contains("TLS certificate not trusted by the CA in \(other.caFile.path)"), "\(error)")
        #expect(error.message.contains("SSL certificate problem"), "\(error)")
        #expect(error.isPermanent)
        #expect(try sink.messages().isEmpty)
    }

    @Test func aRefusedRecipientDoesNotBlockTheOthers() async throws {
        let sink = try await SMTPSink.start(.init(rejectRecipients: ["nobody@example.com"]))
        defer { sink.stop() }
        let client = SMTPClient(.init(url: sink.url, caFile: sink.caFile.path))
        let receipt = try await send(client, to: ["b@example.com", "nobody@example.com", "c@example.com"])
        #expect(receipt.accepted == ["b@example.com", "c@example.com"])
        let refusal = try #require(receipt.refused.first)
        #expect(receipt.refused.count == 1)
        #expect(refusal.recipient == "nobody@example.com")
        #expect(refusal.responseCode == 550)
        #expect(refusal.reply == "550 5.1.1 <nobody@example.com>: Recipient address rejected")
        #expect(refusal.isPermanent)
        let mail = try #require(try await sink.waitForMessages(count: 1).first)
        #expect(mail.envelopeTo == ["b@example.com", "c@example.com"])
    }

    @Test func everyRecipientRefusedIsAPermanentErrorListingThem() async throws {
        let sink = try await SMTPSink.start(.init(rejectRecipients: ["nobody@example.com", "gone@example.com"]))
        defer { sink.stop() }
        let client = SMTPClient(.init(url: sink.url, caFile: sink.caFile.path))
        let error = try await #require(throws: SMTPError.self) { try await send(client, to: ["nobody@example.com", "gone@example.com"]) }
        #expect(error.kind == .recipientsRefused)
        #expect(error.responseCode == 550)
        #expect(error.refused.map(\.recipient) == ["nobody@example.com", "gone@example.com"])
        #expect(error.message.contains("gone@example.com (550 5.1.1 <gone@example.com>: Recipient address rejected)"), "\(error)")
        #expect(error.isPermanent)
        #expect(try sink.messages().isEmpty)
    }

    @Test func aDeferredRecipientIsTransient() async throws {
        let sink = try await SMTPSink.start(.init(rejectRecipients: ["nobody@example.com"], deferRecipients: ["busy@example.com"]))
        defer { sink.stop() }
        let client = SMTPClient(.init(url: sink.url, caFile: sink.caFile.path))
        let error = try await #require(throws: SMTPError.self) { try await send(client, to: ["nobody@example.com", "busy@example.com"]) }
        #expect(error.kind == .recipientsRefused)
        #expect(error.responseCode == 450)
        #expect(!error.isPermanent, "one refusal says try again later")

        let receipt = try await send(client, to: ["busy@example.com", "b@example.com"])
        #expect(receipt.accepted == ["b@example.com"])
        #expect(receipt.refused.first?.isPermanent == false)
    }

    @Test func credentialsAreNeverDroppedWhenTheServerOffersNoAuth() async throws {
        let sink = try await SMTPSink.start(.init(offerAuth: false))
        defer { sink.stop() }
        // The sink itself takes mail without AUTH...
        try await send(SMTPClient(.init(url: sink.url, caFile: sink.caFile.path)))
        #expect(try await sink.waitForMessages(count: 1).count == 1)
        // ...but a configured login must happen or nothing goes out (libcurl alone would skip AUTH silently).
        let client = SMTPClient(.init(url: sink.url, username: "ringback", password: "s3cret", caFile: sink.caFile.path))
        let error = try await #require(throws: SMTPError.self) { try await send(client) }
        #expect(error.kind == .authenticationUnavailable)
        #expect(error.message.contains("offered no AUTH"), "\(error)")
        #expect(error.isPermanent)
        try await Task.sleep(for: .milliseconds(300))
        #expect(try sink.messages().count == 1, "the withheld message never reached the server")
    }

    @Test func xoauth2SendsTheBearerToken() async throws {
        let sink = try await SMTPSink.start(.init(oauth2: .init(user: "ringback@example.com", token: "ya29.token-value")))
        defer { sink.stop() }
        let client = SMTPClient(.init(url: sink.url, username: "ringback@example.com", oauth2Token: "ya29.token-value", caFile: sink.caFile.path))
        try await send(client)
        let mail = try #require(try await sink.waitForMessages(count: 1).first)
        // The sink accepts only base64("user=ringback@example.com\u{1}auth=Bearer ya29.token-value\u{1}\u{1}").
        #expect(mail.auth?.mechanism == "XOAUTH2")
        #expect(mail.auth?.login == "ringback@example.com")
    }

    @Test func aWrongBearerTokenIsRefusedWithoutShowingIt() async throws {
        let sink = try await SMTPSink.start(.init(oauth2: .init(user: "ringback@example.com", token: "ya29.token-value")))
        defer { sink.stop() }
        let options = SMTPClient.Options(url: sink.url, username: "ringback@example.com", oauth2Token: "ya29.expired", caFile: sink.caFile.path)
        let error = try await #require(throws: SMTPError.self) { try await send(SMTPClient(options)) }
        #expect(error.kind == .authenticationFailed)
        #expect(error.responseCode == 535)
        #expect(error.isPermanent)
        for text in ["\(error)", String(reflecting: error), "\(options)", String(reflecting: options), String(reflecting: SMTPClient(options))] {
            #expect(!text.contains("ya29.expired"), "\(text)")
        }
    }
}
