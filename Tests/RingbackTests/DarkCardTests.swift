import Foundation
import Ringback
import RingbackTesting
import Testing

/// The card on a phone in dark mode: every colour the card's HTML uses has a dark counterpart, and every text keeps
/// a contrast of at least 4.5:1 (WCAG AA) in light and in dark.
@Suite struct DarkCardTests {
    /// WCAG relative luminance of `#rrggbb`.
    static func luminance(_ hex: String) -> Double {
        let value = Int(hex.dropFirst(), radix: 16) ?? 0
        func linear(_ byte: Int) -> Double {
            let channel = Double(byte) / 255
            return channel <= 0.03928 ? channel / 12.92 : pow((channel + 0.055) / 1.055, 2.4)
        }
        let red = linear((value >> 16) & 0xFF)
        let green = linear((value >> 8) & 0xFF)
        let blue = linear(value & 0xFF)
        return 0.2126 * red + 0.7152 * green + 0.0722 * blue
    }

    static func contrast(_ one: String, _ other: String) -> Double {
        let (a, b) = (luminance(one), luminance(other))
        return (max(a, b) + 0.05) / (min(a, b) + 0.05)
    }

    @Test func everyColourOfTheCardHasADarkCounterpartThatKeepsContrast() async throws {
        var harness = try Harness()
        harness.config.web = LinkTests.web  // the action buttons too
        let standIn = try OpenAITranscriptionStandIn(transcript: "Hi, it's Maria, the water heater is leaking. Call me back please.")
        defer { standIn.stop() }
        let sink = try await SMTPSink.start()
        defer { sink.stop() }
        let file = try harness.drop("msg0000.wav", sidecar: AudioFixture.asteriskSidecar(flag: "Urgent"))
        let outcome = await (try harness.pipeline(transcriber: harness.openAI(standIn), transport: harness.smtp(sink))).process(file)
        #expect(outcome.status == .notified, "\(outcome.detail)")
        let mail = try #require(try await sink.waitForMessages(count: 1).first)
        let html = try #require(mail.parts(contentType: "text/html").first?.text)

        #expect(html.contains(#"<meta name="color-scheme" content="light dark">"#), "the card says it has a dark rendering")
        // The dark block: light colour -> dark colour, as the media query states it.
        let style = try #require(html.firstMatch(of: /<style>(.*?)<\/style>/)?.1)
        #expect(style.hasPrefix("@media (prefers-color-scheme: dark)"))
        var dark: [String: String] = [:]
        for match in style.matches(of: /\[style\*=";color:(#[0-9a-f]{6})"\][^{]*\{color:(#[0-9a-f]{6}) !important\}/) {
            dark[String(match.1)] = String(match.2)
        }
        let darkBackground = try #require(style.firstMatch(of: /background:(#[0-9a-f]{6}) !important/)?.1).description

        // Every text colour in an inline style, on the page's background (white, or the dark one).
        var checked = 0
        for styleMatch in html.matches(of: /style="([^"]*)"/) {
            let inline = String(styleMatch.1)
            guard let colour = inline.firstMatch(of: /(?:^|;)color:(#[0-9a-f]{6})/)?.1 else { continue }
            let light = String(colour)
            if let background = inline.firstMatch(of: /background:(#[0-9a-f]{6})/)?.1, background != "#ffffff" {
                // A button with its own background keeps its colours in both schemes.
                #expect(Self.contrast(light, String(background)) >= 4.5, "\(light) on \(background): \(inline)")
                continue
            }
            #expect(Self.contrast(light, "#ffffff") >= 4.5, "\(light) on white: \(Self.contrast(light, "#ffffff"))")
            let night = try #require(dark[light], "\(light) has a dark counterpart (\(inline))")
            #expect(Self.contrast(night, darkBackground) >= 4.5, "\(night) on \(darkBackground): \(Self.contrast(night, darkBackground))")
            checked += 1
        }
        #expect(checked >= 8, "the card's texts were found")
        #expect(Self.luminance(darkBackground) < 0.05, "the dark background is dark")
    }
}
