import Foundation
import Ringback
import RingbackCore
import RingbackTesting
import Testing

/// "Call me on 555 0199": the number a caller says, read from the transcript and put on the card's button only when
/// the transcript can be trusted.
@Suite struct SpokenNumberTests {
    static let caller = PhoneNumber(parsing: "+15551230000")

    @Test(arguments: [
        ("call me on five five five, zero one nine nine", "+15555550199", true),
        ("Please call me back on my cell, 312-555-0142. Thanks!", "+13125550142", false),
        ("It's three one two double five five oh one four two", "+13125550142", false),
        ("reach me at (312) 555 0142 after five", "+13125550142", false),
    ])
    func aSpokenNumberIsFound(transcript: String, e164: String, borrowed: Bool) {
        let found = SpokenNumber.find(in: transcript, callerID: Self.caller, country: "US")
        #expect(found?.phone.e164 == e164)
        #expect(found?.borrowedAreaCode == borrowed)
    }

    @Test(arguments: [
        "call me back at five five five one two three zero zero zero zero",  // the caller ID itself
        "see you at 10 30 on the 3rd, about the 2 sinks",
        "one of the two pipes, and then four more",
        "",
    ])
    func nothingThatIsNotANewNumberCounts(transcript: String) {
        #expect(SpokenNumber.find(in: transcript, callerID: Self.caller, country: "US") == nil)
    }

    @Test func aBritishNumberIsReadInTheOwnersPlan() {
        let found = SpokenNumber.find(in: "ring me on oh two oh seven nine four six oh oh one eight", callerID: PhoneNumber(parsing: ""), country: "GB")
        #expect(found?.phone.e164 == "+442079460018")
    }

    @Test func aTrustedTranscriptPutsTheSpokenNumberOnTheButtonAndADraftOnlyOffersIt() async throws {
        let harness = try Harness()
        let standIn = try OpenAITranscriptionStandIn(transcript: "Hi, it's Maria, call me on my cell, five five five zero one nine nine.")
        defer { standIn.stop() }
        let file = try harness.drop("call.wav", sidecar: AudioFixture.asteriskSidecar())
        #expect(await (try harness.pipeline(transcriber: harness.openAI(standIn))).process(file).status == .notified)
        let card = String(decoding: try Data(contentsOf: try #require(try harness.cards().first)), as: UTF8.self)
            .replacingOccurrences(of: "=\r\n", with: "")
        #expect(card.contains("Call back:    (555) 555-0199  <tel:+15555550199>  (the number they said, area code from the caller ID)"))
        #expect(card.contains("Caller ID: (555) 123-0000  <tel:+15551230000>"))
        #expect(card.contains(#"<a href=3D"tel:+15555550199""#))

        var low = try Harness()
        low.config.transcription.minConfidence = 0.99
        let guess = try OpenAITranscriptionStandIn(transcript: "call me on five five five zero one nine nine")
        defer { guess.stop() }
        let other = try low.drop("call.wav", sidecar: AudioFixture.asteriskSidecar())
        let transcriber = OpenAITranscriber(url: guess.url, apiKey: Secret("sk-test"), model: "whisper-1", language: "en", timeout: .seconds(5))
        #expect(await (try low.pipeline(transcriber: transcriber)).process(other).status == .notified)
        let lowCard = String(decoding: try Data(contentsOf: try #require(try low.cards().first)), as: UTF8.self)
            .replacingOccurrences(of: "=\r\n", with: "")
        #expect(lowCard.contains("Call back:    (555) 123-0000  <tel:+15551230000>"), "a guess never goes on the button")
        #expect(lowCard.contains("They may have said a number, (555) 555-0199: check the recording before calling it"))
    }
}
