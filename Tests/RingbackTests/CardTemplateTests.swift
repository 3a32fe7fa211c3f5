import Foundation
import Ringback
import RingbackTesting
import Testing

/// `mail.templates`: an admin's own subject, text and HTML, with Asterisk's `VM_*` names, and no way for a caller
/// to inject headers or markup through them.
@Suite struct CardTemplateTests {
    @Test func asteriskStyleTemplatesRenderTheCardAndEscapeWhatTheCallerSent() async throws {
        var harness = try Harness()
        let folder = harness.folder.url
        try Data("{{VM_CIDNAME}} left a {{VM_DUR}} message in mailbox {{VM_MAILBOX}}".utf8).write(to: folder.appendingPathComponent("subject.mustache"))
        try Data("Dear owner,\n\n{{VM_CALLERID}} called on {{VM_DATE}}.\n{{transcript_heading}}\n{{transcript}}\nCall back by {{due}} ({{countdown}}).\n".utf8)
            .write(to: folder.appendingPathComponent("text.mustache"))
        try Data("<p>{{caller_name}}</p><blockquote>{{transcript}}</blockquote>{{#urgent}}<b>URGENT</b>{{/urgent}}".utf8)
            .write(to: folder.appendingPathComponent("card.html.mustache"))
        harness.config.mail.templates = CardTemplates(
            subject: folder.appendingPathComponent("subject.mustache").path, text: folder.appendingPathComponent("text.mustache").path,
            html: folder.appendingPathComponent("card.html.mustache").path)
        try harness.config.mail.templates.load()

        let standIn = try OpenAITranscriptionStandIn(transcript: "<b>call</b> me & \"soon\"")
        defer { standIn.stop() }
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let name = "Eve <script>x</script>\\r\\nBcc: thief@example.com"
        let file = try harness.drop("msg0000.wav", sidecar: AudioFixture.asteriskSidecar(callerID: "\"\(name)\" <+15551230000>"))
        let outcome = await (try harness.pipeline(transcriber: harness.openAI(standIn), transport: harness.smtp(sink))).process(file)
        #expect(outcome.status == .notified, "\(outcome.detail)")

        let mail = try #require(try await sink.waitForMessages(count: 1).first)
        #expect(mail.defects.isEmpty, "\(mail.defects)")
        #expect(mail.headers(named: "Bcc").isEmpty)
        #expect(mail.envelopeTo == ["owner@example.com"])
        let subject = try #require(mail.header("Subject"))
        #expect(subject.hasPrefix("Eve <script>x</script>"))
        #expect(subject.hasSuffix("left a 0:02 message in mailbox 1001"))
        let text = try #require(mail.parts(contentType: "text/plain").first?.text)
        #expect(text.hasPrefix("Dear owner,\n\n\"Eve <script>x</script>"))
        #expect(text.contains("Bcc: thief@example.com\" <(555) 123-0000> called on"))
        #expect(text.contains("called on Tuesday, September 22, 2026 at 12:24:47 AM."))
        #expect(text.contains("<b>call</b> me & \"soon\""), "plain text is not HTML-escaped")
        let html = try #require(mail.parts(contentType: "text/html").first?.text)
        #expect(html.contains("<p>Eve &lt;script&gt;x&lt;/script&gt;"))
        #expect(html.contains("<blockquote>&lt;b&gt;call&lt;/b&gt; me &amp; &quot;soon&quot;</blockquote>"))
        #expect(!html.contains("<script>"))
        #expect(!html.contains("URGENT"))
    }

    @Test func aBrokenTemplateStopsStartupNamingTheKeyAndFile() throws {
        let folder = try TemporaryDirectory("templates")
        _ = try folder.write("{{#unclosed}}hello", to: "bad.mustache")
        _ = try folder.write(ConfigTests.minimal + "\n  templates: { html: ./bad.mustache }\n", to: "pipeline.yml")
        #expect(throws: ConfigError.self) { try PipelineConfig.load(from: folder.url.appendingPathComponent("pipeline.yml")) }
        do {
            _ = try PipelineConfig.load(from: folder.url.appendingPathComponent("pipeline.yml"))
        } catch {
            #expect(error.key == "mail.templates.html")
            #expect(error.description.contains("bad.mustache is not a valid Mustache template"))
        }
        _ = try folder.write(ConfigTests.minimal + "\n  templates: { text: ./missing.mustache }\n", to: "pipeline.yml")
        do {
            _ = try PipelineConfig.load(from: folder.url.appendingPathComponent("pipeline.yml"))
            Issue.record("a missing template file must stop startup")
        } catch {
            #expect(error.key == "mail.templates.text")
        }
    }
}
