import Foundation
import RingbackAudio
import RingbackTesting
import Testing

@Suite struct AudioProbeTests {
    let folder: TemporaryDirectory

    init() throws {
        folder = try TemporaryDirectory("audio")
    }

    @Test(arguments: [
        (AudioFormat.pcm16WAV, 8000, "a.wav"),
        (AudioFormat.pcm16WAV, 16000, "b.wav"),
        (AudioFormat.ulawWAV, 8000, "c.wav"),
        (AudioFormat.alawWAV, 8000, "d.wav"),
        (AudioFormat.wav49, 8000, "msg0000.WAV"),
        (AudioFormat.rawGSM, 8000, "msg0000.gsm"),
        (AudioFormat.flac, 16000, "e.flac"),
    ])
    func everyPBXFormatReportsItsFormatRateAndLength(format: AudioFormat, rate: Int, name: String) throws {
        let url = try AudioFixture.write(folder.url.appendingPathComponent(name), format: format, sampleRate: rate, seconds: 3)
        let probe = try AudioProbe(url: url)
        #expect(probe.format == format)
        #expect(probe.sampleRate == rate)
        #expect(probe.channels == 1)
        // WAV49 codes 320-sample (40 ms) blocks: the last partial block is padded, so allow one block of slack.
        #expect(abs(probe.durationMilliseconds - 3000) <= 40)
    }

    @Test func levelsOfAKnownToneAreMeasured() throws {
        let url = try AudioFixture.write(folder.url.appendingPathComponent("tone.wav"), seconds: 2, signal: .sine(frequency: 440, amplitude: 0.5))
        let probe = try AudioProbe(url: url)
        // A sine of amplitude 0.5 peaks at -6.0 dBFS and has an RMS of 0.5/√2 → -9.0 dBFS.
        #expect(abs((probe.peakDBFS ?? 0) - -6.0) < 0.2)
        #expect(abs((probe.rmsDBFS ?? 0) - -9.0) < 0.2)
        #expect(!probe.isSilent)
    }

    @Test func digitalSilenceHasNoLevelAndCountsAsSilent() throws {
        let url = try AudioFixture.write(folder.url.appendingPathComponent("quiet.wav"), seconds: 1, signal: .silence)
        let probe = try AudioProbe(url: url)
        #expect(probe.peakDBFS == nil)
        #expect(probe.isSilent)
        #expect(probe.durationMilliseconds == 1000)
    }

    @Test func wavInfoStringsAreRead() throws {
        let url = try AudioFixture.write(
            folder.url.appendingPathComponent("tagged.wav"), seconds: 1,
            info: [.title: "Voicemail from 5551230000", .comment: "mailbox 1001", .date: "2026-09-22"])
        let probe = try AudioProbe(url: url)
        #expect(probe.infoStrings["title"] == "Voicemail from 5551230000")
        #expect(probe.infoStrings["comment"] == "mailbox 1001")
        #expect(probe.infoStrings["date"] == "2026-09-22")
    }

    @Test func aZeroByteFileIsRejectedNamingTheFile() throws {
        let url = folder.url.appendingPathComponent("empty.wav")
        _ = FileManager.default.createFile(atPath: url.path, contents: Data())
        let error = try #require(throws: AudioError.self) { try AudioProbe(url: url) }
        #expect(error.path == url.path)
        #expect(error.description.contains("empty.wav"))
    }

    @Test func randomBytesNamedWavAreNotAudio() throws {
        let url = folder.url.appendingPathComponent("junk.wav")
        try Data((0..<4096).map { _ in UInt8.random(in: 0...255) }).write(to: url)
        let error = try #require(throws: AudioError.self) { try AudioProbe(url: url) }
        #expect(error.code == "audio.unreadable")
        #expect(error.path == url.path)
    }

    /// Raw GSM has no header, so libsndfile decodes any bytes as GSM: bytes that cannot be GSM 6.10 frames (fewer
    /// than one frame, or frames without the 0xD signature) are not audio, not a missed call.
    @Test func bytesThatAreNotGSMFramesNamedGsmAreNotAudio() throws {
        let tiny = folder.url.appendingPathComponent("tiny.gsm")
        try Data((0..<10).map { UInt8($0) }).write(to: tiny)
        let short = try #require(throws: AudioError.self) { try AudioProbe(url: tiny) }
        #expect(short.code == "audio.unreadable" && short.reason.contains("shorter than one 33-byte frame"))

        let noise = folder.url.appendingPathComponent("noise.gsm")
        try Data((0..<3300).map { UInt8(($0 * 7) % 0xC0) }).write(to: noise)  // no byte has the 0xD nibble
        let unsigned = try #require(throws: AudioError.self) { try AudioProbe(url: noise) }
        #expect(unsigned.reason.contains("lacks the GSM signature"))

        let real = try AudioFixture.write(folder.url.appendingPathComponent("msg0000.gsm"), format: .rawGSM, seconds: 1)
        #expect(try AudioProbe(url: real).durationMilliseconds == 1000)
    }

    @Test func aTruncatedWavIsRejectedOrReadOnlyAsFarAsItGoes() throws {
        let whole = try AudioFixture.write(folder.url.appendingPathComponent("whole.wav"), seconds: 2)
        let data = try Data(contentsOf: whole)
        let header = folder.url.appendingPathComponent("header-only.wav")
        try data.prefix(30).write(to: header)
        #expect(throws: AudioError.self) { try AudioProbe(url: header) }

        // Cut in the middle of the samples: the header still claims 2 s, but only what is there is counted.
        let half = folder.url.appendingPathComponent("half.wav")
        try data.prefix(44 + 8000).write(to: half)
        let probe = try AudioProbe(url: half)
        #expect(probe.durationMilliseconds == 500)
    }

    @Test func aDirectoryNamedLikeAudioIsRejected() throws {
        let url = folder.url.appendingPathComponent("x.wav", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let error = try #require(throws: AudioError.self) { try AudioProbe(url: url) }
        #expect(error.reason.contains("directory"))
    }
}
