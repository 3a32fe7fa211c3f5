import Foundation

/// Identifies an upload by its magic bytes and, for WAV, its fmt chunk.
///
/// Each real server decodes a different set of codecs (whisper.cpp's miniaudio
/// has no GSM, ffmpeg has everything), so this only describes the bytes and
/// every stand-in applies its own server's rules to the description.
enum AudioSniffing {
    enum Container: Sendable, Equatable {
        case wave
        case flac
        /// MPEG-1/2 audio layers I to III: an ID3 tag or a frame sync with a layer (MP3).
        case mpeg
        /// ADTS AAC: a frame sync whose layer bits are 00.
        case adts
        case ogg
        /// ISO base media (`ftyp`): MP4, M4A.
        case mp4
        /// EBML: WebM, Matroska.
        case webm
    }

    struct Audio: Sendable {
        let container: Container
        /// WAV only: the format tag, with WAVE_FORMAT_EXTENSIBLE already unwrapped to
        /// its sub-format when the fmt chunk is long enough (1 PCM, 3 float, 6 A-law, 7 µ-law, 0x31 GSM 6.10…).
        let waveFormatTag: Int?
        let sampleRate: Int?
        let channels: Int?
        /// As the header states it; GSM and other compressed WAVs often say 0.
        let bitsPerSample: Int?
        /// Seconds, when the header tells (WAV data size / byte rate, FLAC STREAMINFO), else nil.
        let duration: Double?
        /// Ogg only: the codec named by the first packet ("vorbis", "opus", "flac", "speex"), nil if unknown.
        let oggCodec: String?

        /// A short human description for violation messages, e.g. "WAV GSM 6.10".
        var description: String {
            switch container {
            case .wave: "WAV \(waveFormatTag.map(AudioSniffing.waveTagName) ?? "without fmt")"
            case .flac: "FLAC"
            case .mpeg: "MPEG audio"
            case .adts: "ADTS AAC"
            case .ogg: "Ogg \(oggCodec ?? "(unknown codec)")"
            case .mp4: "MP4/M4A"
            case .webm: "WebM/Matroska"
            }
        }
    }

    /// Seconds for the stand-ins' replies: the header's when known, else about what speaking the transcript takes.
    static func duration(of audio: Audio, speaking transcript: String) -> Double {
        if let duration = audio.duration { return duration }
        let words = transcript.split(separator: " ").count
        return Double(max(2, words * 2)) / 5  // 0.4 s a word, rounded to a tenth
    }

    struct Problem: Error, Sendable {
        let reason: String
    }

    static let waveFormatPCM = 1
    static let waveFormatFloat = 3
    static let waveFormatALaw = 6
    static let waveFormatMuLaw = 7
    static let waveFormatGSM = 0x31
    static let waveFormatExtensible = 0xFFFE

    /// What the bytes are, or why they are not audio any stand-in recognises.
    static func sniff(_ data: Data) -> Result<Audio, Problem> {
        let bytes = [UInt8](data)
        func starts(_ text: String, at offset: Int = 0) -> Bool {
            let magic = Array(text.utf8)
            return bytes.count >= offset + magic.count && Array(bytes[offset..<(offset + magic.count)]) == magic
        }
        func plain(_ container: Container, duration: Double? = nil, oggCodec: String? = nil) -> Result<Audio, Problem> {
            .success(
                Audio(
                    container: container, waveFormatTag: nil, sampleRate: nil, channels: nil, bitsPerSample: nil,
                    duration: duration, oggCodec: oggCodec
                ))
        }
        if starts("RIFF") {
            guard starts("WAVE", at: 8) else { return .failure(Problem(reason: "RIFF file that is not WAVE")) }
            return wave(bytes)
        }
        if starts("fLaC") { return plain(.flac, duration: flacDuration(bytes)) }
        if starts("OggS") { return plain(.ogg, oggCodec: oggCodec(bytes)) }
        if starts("ID3") { return plain(.mpeg) }
        if starts("ftyp", at: 4) { return plain(.mp4) }
        if bytes.starts(with: [0x1A, 0x45, 0xDF, 0xA3]) { return plain(.webm) }
        if bytes.count >= 2, bytes[0] == 0xFF, bytes[1] & 0xE0 == 0xE0 {
            return plain(bytes[1] & 0x06 == 0 ? .adts : .mpeg)
        }
        let head = bytes.prefix(8).map { String($0, radix: 16) }.joined(separator: " ")
        return .failure(Problem(reason: bytes.isEmpty ? "empty file" : "unrecognised content starting with bytes \(head)"))
    }

    static func waveTagName(_ tag: Int) -> String {
        switch tag {
        case 1: "PCM"
        case 2: "Microsoft ADPCM"
        case 3: "IEEE float"
        case 6: "A-law"
        case 7: "µ-law"
        case 0x11: "IMA ADPCM"
        case 0x31: "GSM 6.10"
        case 0x55: "MPEG layer 3"
        case 0xFFFE: "extensible"
        default: "format tag \(tag)"
        }
    }

    private static func wave(_ bytes: [UInt8]) -> Result<Audio, Problem> {
        func le16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        func le32(_ at: Int) -> Int { le16(at) | le16(at + 2) << 16 }
        var offset = 12
        var format: (tag: Int, channels: Int, sampleRate: Int, byteRate: Int, bits: Int)?
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<(offset + 4)], as: UTF8.self)
            let size = le32(offset + 4)
            let body = offset + 8
            if id == "fmt " {
                guard size >= 16, body + 16 <= bytes.count else {
                    return .failure(Problem(reason: "WAV fmt chunk shorter than 16 bytes"))
                }
                var tag = le16(body)
                if tag == waveFormatExtensible, size >= 40, body + 26 <= bytes.count {
                    tag = le16(body + 24)  // the sub-format GUID starts with the real tag
                }
                format = (tag, le16(body + 2), le32(body + 4), le32(body + 8), le16(body + 14))
            } else if id == "data" {
                guard let format else {
                    return .failure(Problem(reason: "WAV data chunk before any fmt chunk"))
                }
                // Streamed WAVs may claim 0xFFFFFFFF; count what is really there.
                let available = max(0, min(size, bytes.count - body))
                return .success(
                    Audio(
                        container: .wave, waveFormatTag: format.tag, sampleRate: format.sampleRate, channels: format.channels,
                        bitsPerSample: format.bits,
                        duration: format.byteRate > 0 ? Double(available) / Double(format.byteRate) : nil, oggCodec: nil
                    ))
            }
            offset = body + size + (size & 1)
        }
        return .failure(Problem(reason: format == nil ? "WAV without a fmt chunk" : "WAV without a data chunk"))
    }

    /// STREAMINFO is always the first metadata block: 20-bit rate, then 36-bit sample count.
    private static func flacDuration(_ bytes: [UInt8]) -> Double? {
        guard bytes.count >= 8 + 34, bytes[4] & 0x7F == 0 else { return nil }
        let info = Array(bytes[8..<(8 + 34)])
        let rate = Int(info[10]) << 12 | Int(info[11]) << 4 | Int(info[12]) >> 4
        let samples = (Int(info[13]) & 0x0F) << 32 | Int(info[14]) << 24 | Int(info[15]) << 16 | Int(info[16]) << 8 | Int(info[17])
        guard rate > 0, samples > 0 else { return nil }
        return Double(samples) / Double(rate)
    }

    /// The first page's first packet names the codec (Vorbis and Opus decoders differ between servers).
    private static func oggCodec(_ bytes: [UInt8]) -> String? {
        guard bytes.count >= 27 else { return nil }
        let segments = Int(bytes[26])
        let start = 27 + segments
        guard bytes.count > start else { return nil }
        let packet = bytes[start..<min(bytes.count, start + 16)]
        func has(_ magic: [UInt8]) -> Bool { packet.starts(with: magic) }
        if has([0x01] + Array("vorbis".utf8)) { return "vorbis" }
        if has(Array("OpusHead".utf8)) { return "opus" }
        if has([0x7F] + Array("FLAC".utf8)) { return "flac" }
        if has(Array("Speex   ".utf8)) { return "speex" }
        return nil
    }
}
