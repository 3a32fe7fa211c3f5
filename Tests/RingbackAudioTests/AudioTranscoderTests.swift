import Foundation
import RingbackTesting
import Testing

@testable import RingbackAudio

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

    /// The card's MP3, written by LAME at a constant bitrate: it decodes (with libsndfile) to the recording's length,
    /// rate and channels, at the same level, and its size is the bitrate times the length, whatever the recording.
    @Test(arguments: [(8_000, 1), (16_000, 1), (8_000, 2), (44_100, 2)])
    func anMP3KeepsLengthAndLevelAtItsBitrate(sampleRate: Int, channels: Int) throws {
        let folder = try TemporaryDirectory("mp3")
        let source = try AudioFixture.write(folder.url.appendingPathComponent("in.wav"), sampleRate: sampleRate, channels: channels, seconds: 20)
        let output = folder.url.appendingPathComponent("out.mp3")
        let before = try AudioProbe(url: source)
        try AudioTranscoder.transcode(source, to: output, format: .mp3)
        let after = try AudioProbe(url: output)
        #expect(after.format == .mp3)
        #expect(after.channels == channels)
        #expect(after.sampleRate == sampleRate)
        #expect(abs(after.durationMilliseconds - 20_000) < 100, "the LAME tag trims the encoder's delay and padding")
        #expect(abs((after.rmsDBFS ?? 0) - (before.rmsDBFS ?? 0)) < 1)
        let bytes = try #require(try FileManager.default.attributesOfItem(atPath: output.path)[.size] as? Int)
        let expected = AudioTranscoder.expectedMP3Bytes(frames: before.frames, sampleRate: sampleRate, channels: channels)
        #expect(expected == Int64(MP3Encoder.kilobitsPerSecond(sampleRate: sampleRate, channels: channels)) * 125 * 20)
        #expect(abs(Double(bytes - Int(expected))) < Double(expected) * 0.02, "\(bytes) bytes, \(expected) expected before encoding")
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
