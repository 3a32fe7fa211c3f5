import Foundation
import RingbackAudio
import RingbackTesting
import Testing

@Suite struct AudioTranscoderTests {
    @Test(arguments: [AudioFormat.wav49, .rawGSM, .ulawWAV, .alawWAV])
    func telephoneCodecsBecomePCMWavOfTheSameLength(source format: AudioFormat) throws {
        let folder = try TemporaryDirectory("transcode")
        let source = try AudioFixture.write(folder.url.appendingPathComponent("in.\(format.fileExtension)"), format: format, seconds: 4)
        let output = folder.url.appendingPathComponent("out.wav")
        let frames = try AudioTranscoder.transcode(source, to: output, format: .pcm16WAV)
        let before = try AudioProbe(url: source)
        let after = try AudioProbe(url: output)
        #expect(after.format == .pcm16WAV)
        #expect(after.frames == frames)
        #expect(after.frames == before.frames)
        #expect(abs((after.peakDBFS ?? 0) - (before.peakDBFS ?? 0)) < 0.5)
    }

    @Test func writingMP3WorksThroughLame() throws {
        let folder = try TemporaryDirectory("mp3")
        let source = try AudioFixture.write(folder.url.appendingPathComponent("in.wav"), seconds: 3)
        let output = folder.url.appendingPathComponent("out.mp3")
        try AudioTranscoder.transcode(source, to: output, format: .mp3)
        let probe = try AudioProbe(url: output)
        #expect(probe.format.container == .mpeg)
        #expect(abs(probe.durationMilliseconds - 3000) < 150)
    }

    /// libsndfile cannot seek in GSM 6.10 (WAV49, raw .gsm): a part of a long voicemail must still start where asked.
    @Test(arguments: [AudioFormat.wav49, .rawGSM, .pcm16WAV])
    func aPartStartsAtItsFrameEvenInCodecsThatCannotSeek(format: AudioFormat) throws {
        let folder = try TemporaryDirectory("seek")
        let source = try AudioFixture.write(folder.url.appendingPathComponent("in.\(format.fileExtension)"), format: format, seconds: 4)
        let total = try AudioProbe(url: source).frames
        let tail = folder.url.appendingPathComponent("tail.wav")
        let written = try AudioTranscoder.transcode(source, to: tail, format: .pcm16WAV, frames: 16_000..<total)
        #expect(written == total - 16_000)
        #expect(try AudioProbe(url: tail).frames == total - 16_000)
    }
}
