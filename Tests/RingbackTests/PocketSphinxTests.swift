import Foundation
import Ringback
import RingbackAudio
import RingbackTesting
import Testing

@Suite struct PocketSphinxTests {
    @Test func speechGeneratedByEspeakComesBackAsADraftWithAConfidence() async throws {
        let folder = try TemporaryDirectory("sphinx")
        let spoken = try #require(
            try AudioFixture.speech("Hello, this is Maria Lopez. Please call me back about the leak under the kitchen sink.", to: folder.path("speech.wav")))
        let probe = try AudioProbe(url: spoken)
        let transcript = try await PocketSphinxTranscriber().transcribe(spoken, probe: probe)
        #expect(!transcript.text.isEmpty)
        #expect(transcript.isOfflineDraft)
        let confidence = try #require(transcript.confidence)
        #expect((0...1).contains(confidence))
        // Word timings, inside the recording and in order.
        let seconds = Double(probe.durationMilliseconds) / 1000
        #expect(transcript.segments.count == transcript.text.split(separator: " ").count)
        #expect(transcript.segments.allSatisfy { 0 <= $0.start && $0.start < $0.end && $0.end <= seconds + 0.05 })
        #expect(zip(transcript.segments, transcript.segments.dropFirst()).allSatisfy { $0.end <= $1.start + 0.011 })
        #expect(transcript.duration.map { abs($0 - seconds) < 0.05 } == true)
    }

    @Test func silenceIsNotTurnedIntoWords() async throws {
        let folder = try TemporaryDirectory("sphinx")
        let url = try AudioFixture.write(try folder.path("quiet.wav"), format: .pcm16WAV, seconds: 3, signal: .silence)
        let transcript = try await PocketSphinxTranscriber().transcribe(url, probe: try AudioProbe(url: url))
        #expect(transcript.text.isEmpty)
        #expect(transcript.confidence == nil)
    }

    @Test func aLongRecordingIsCutIntoPartsNoLongerThanTheLimitAtQuietMoments() throws {
        let folder = try TemporaryDirectory("split")
        let url = try AudioFixture.write(try folder.path("long.wav"), format: .pcm16WAV, seconds: 95)
        let ranges = try AudioSplitter.plan(url, maxSeconds: 30)
        #expect(ranges.count == 4)
        #expect(ranges.first?.lowerBound == 0)
        let frames = try AudioProbe(url: url).frames
        #expect(ranges.last.map { $0.upperBound == frames } == true)
        for (left, right) in zip(ranges, ranges.dropFirst()) { #expect(left.upperBound == right.lowerBound) }
        #expect(ranges.allSatisfy { $0.count <= 30 * 8000 })
        #expect(ranges.dropLast().allSatisfy { $0.count > 20 * 8000 })
    }
}

@Suite struct OfflineCardTests {
    @Test func anOfflineTranscriptIsLabelledADraftOrALowConfidenceGuessOnTheCard() async throws {
        let harness = try Harness()
        let file = try harness.drop("speech.wav")
        _ = try #require(try AudioFixture.speech("Hello, this is Maria Lopez. Please call me back about the leak under the sink.", to: file))
        let pipeline = try harness.pipeline(transcriber: PocketSphinxTranscriber())
        let outcome = await pipeline.process(file)
        #expect(outcome.status == .notified, "\(outcome.detail)")
        let card = try String(contentsOf: try #require(try harness.cards().first), encoding: .utf8).replacingOccurrences(of: "=\r\n", with: "")
        #expect(card.contains("Offline draft transcript (pocketsphinx") || card.contains("Low confidence (pocketsphinx"))
        #expect(!card.contains("What they said"))
    }
}
