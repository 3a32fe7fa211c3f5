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

    @Test func sendsOverStartTLSWithAuthentication() async throws {
        let sink = try await SMTPSink.start(.init(tls: true, requireStartTLS: true, auth: .init(user: "ringback", password: "s3cret")))
        defer { sink.stop() }
        let client = SMTPClient(.init(url: sink.url, tls: .required, username: "ringback", password: "s3cret", caFile: sink.caFile.path))
        try await client.send(messageFile: message, from: "a@example.com", to: ["b@example.com"])
        let mail = try #require(try await sink.waitForMessages(count: 1).first)
        #expect(mail.envelopeFrom == "a@example.com")
        #expect(mail.envelopeTo == ["b@example.com"])
        #expect(mail.header("Subject") == "hello")
        #expect(mail.defects.isEmpty)
        // Dot-stuffing is libcurl's job: the line arrives intact.
        #expect(try String(decoding: mail.raw(), as: UTF8.self).contains("\r\n.leading dot\r\n"))
    }

    @Test func aWrongPasswordIsRejectedWithTheServerReply() async throws {
        let sink = try await SMTPSink.start(.init(tls: true, requireStartTLS: true, auth: .init(user: "ringback", password: "s3cret")))
        defer { sink.stop() }
        let client = SMTPClient(.init(url: sink.url, username: "ringback", password: "wrong", caFile: sink.caFile.path))
        let error = try await #require(throws: CurlError.self) {
            try await client.send(messageFile: message, from: "a@example.com", to: ["b@example.com"])
        }
        #expect(error.code == 67)  // CURLE_LOGIN_DENIED
        #expect(error.responseCode == 535)
        #expect(!error.isTransient)
        #expect(try sink.messages().isEmpty)
    }

    @Test func aServerWithoutStartTLSIsRefusedWhenTLSIsRequired() async throws {
        let sink = try await SMTPSink.start(.init(tls: false, requireStartTLS: false))
        defer { sink.stop() }
        let client = SMTPClient(.init(url: sink.url, tls: .required))
        let error = try await #require(throws: CurlError.self) {
            try await client.send(messageFile: message, from: "a@example.com", to: ["b@example.com"])
        }
        #expect(error.code == 64)  // CURLE_USE_SSL_FAILED
        #expect(try sink.messages().isEmpty)
    }

    @Test func plainTextDeliveryNeedsAnExplicitOptOut() async throws {
        let sink = try await SMTPSink.start(.init(tls: false, requireStartTLS: false))
        defer { sink.stop() }
        try await SMTPClient(.init(url: sink.url, tls: .none)).send(messageFile: message, from: "a@example.com", to: ["b@example.com"])
        #expect(try await sink.waitForMessages(count: 1).count == 1)
    }

    @Test func anUntrustedCertificateIsRefused() async throws {
        let sink = try await SMTPSink.start(.init(tls: true, requireStartTLS: true))
        defer { sink.stop() }
        let error = try await #require(throws: CurlError.self) {
            try await SMTPClient(.init(url: sink.url, tls: .required)).send(messageFile: message, from: "a@example.com", to: ["b@example.com"])
        }
        #expect([60, 35].contains(error.code))  // peer certificate cannot be verified
        #expect(try sink.messages().isEmpty)
    }

    @Test func aRejectedRecipientFailsTheSendWithTheReply() async throws {
        let sink = try await SMTPSink.start(.init(tls: true, requireStartTLS: true, rejectRecipients: ["nobody@example.com"]))
        defer { sink.stop() }
        let client = SMTPClient(.init(url: sink.url, caFile: sink.caFile.path))
        let error = try await #require(throws: CurlError.self) {
            try await client.send(messageFile: message, from: "a@example.com", to: ["nobody@example.com"])
        }
        #expect(error.responseCode == 550)
    }
}
