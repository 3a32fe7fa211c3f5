import CRingbackSndFile

/// The container and encoding of a sound file, as libsndfile reports them, in words and in libsndfile's terms.
public struct AudioFormat: Sendable, Hashable, Codable, CustomStringConvertible {
    public enum Container: String, Sendable, Codable, CaseIterable {
        case wav, raw, flac, ogg, mpeg, au, aiff, other
    }

    public enum Encoding: String, Sendable, Codable, CaseIterable {
        case pcm8 = "pcm_s8"
        case pcmU8 = "pcm_u8"
        case pcm16 = "pcm_s16"
        case pcm24 = "pcm_s24"
        case pcm32 = "pcm_s32"
        case float = "float"
        case double = "double"
        case ulaw = "mulaw"
        case alaw = "alaw"
        case gsm610 = "gsm610"
        case imaADPCM = "ima_adpcm"
        case msADPCM = "ms_adpcm"
        case vorbis, opus, mp3
        case flacNative = "flac"
        case other
    }

    public var container: Container
    public var encoding: Encoding

    public init(container: Container, encoding: Encoding) {
        self.container = container
        self.encoding = encoding
    }

    /// 16-bit PCM WAV: what every transcription endpoint and mail client can read.
    public static let pcm16WAV = AudioFormat(container: .wav, encoding: .pcm16)
    /// WAV49: GSM 6.10 in WAV, Asterisk's upper-case `.WAV`.
    public static let wav49 = AudioFormat(container: .wav, encoding: .gsm610)
    public static let ulawWAV = AudioFormat(container: .wav, encoding: .ulaw)
    public static let alawWAV = AudioFormat(container: .wav, encoding: .alaw)
    public static let rawGSM = AudioFormat(container: .raw, encoding: .gsm610)
    public static let flac = AudioFormat(container: .flac, encoding: .pcm16)
    public static let mp3 = AudioFormat(container: .mpeg, encoding: .mp3)

    /// Plain linear PCM or float: any decoder handles it without a codec.
    public var isLinear: Bool {
        switch encoding {
        case .pcm8, .pcmU8, .pcm16, .pcm24, .pcm32, .float, .double: true
        default: false
        }
    }

    public var description: String {
        switch (container, encoding) {
        case (.wav, .gsm610): "WAV49 (GSM 6.10)"
        case (.raw, .gsm610): "raw GSM 6.10"
        case (.wav, .ulaw): "WAV (µ-law)"
        case (.wav, .alaw): "WAV (A-law)"
        case (.wav, .pcm16): "WAV (16-bit PCM)"
        case (.flac, _): "FLAC"
        case (.mpeg, _): "MP3"
        case (.ogg, .opus): "Ogg Opus"
        case (.ogg, _): "Ogg Vorbis"
        default: "\(container.rawValue.uppercased()) (\(encoding.rawValue))"
        }
    }

    /// The MIME type a mail client or HTTP endpoint expects for this format.
    public var mimeType: String {
        switch container {
        case .wav: "audio/wav"
        case .flac: "audio/flac"
        case .ogg: "audio/ogg"
        case .mpeg: "audio/mpeg"
        case .au: "audio/basic"
        case .aiff: "audio/aiff"
        case .raw where encoding == .gsm610: "audio/x-gsm"
        case .raw, .other: "application/octet-stream"
        }
    }

    public var fileExtension: String {
        switch container {
        case .wav: "wav"
        case .flac: "flac"
        case .ogg: "ogg"
        case .mpeg: "mp3"
        case .au: "au"
        case .aiff: "aiff"
        case .raw where encoding == .gsm610: "gsm"
        case .raw, .other: "raw"
        }
    }
}

extension AudioFormat {
    init(sndfileFormat format: Int32) {
        let major = Int(format) & Int(CRingbackSndFile_formatTypeMask())
        let minor = Int(format) & Int(CRingbackSndFile_formatSubMask())
        self.init(container: Container(sndfileMajor: major), encoding: Encoding(sndfileMinor: minor))
    }

    /// The libsndfile format word for writing, or nil when Debian's libsndfile cannot write it.
    var sndfileFormat: Int32? {
        guard let major = container.sndfileMajor, let minor = encoding.sndfileMinor else { return nil }
        return Int32(major | minor)
    }
}

extension AudioFormat.Container {
    init(sndfileMajor major: Int) {
        switch major {
        case Int(SF_FORMAT_WAV), Int(SF_FORMAT_WAVEX), Int(SF_FORMAT_RF64): self = .wav
        case Int(SF_FORMAT_RAW): self = .raw
        case Int(SF_FORMAT_FLAC): self = .flac
        case Int(SF_FORMAT_OGG): self = .ogg
        case Int(SF_FORMAT_MPEG): self = .mpeg
        case Int(SF_FORMAT_AU): self = .au
        case Int(SF_FORMAT_AIFF): self = .aiff
        default: self = .other
        }
    }

    var sndfileMajor: Int? {
        switch self {
        case .wav: Int(SF_FORMAT_WAV)
        case .raw: Int(SF_FORMAT_RAW)
        case .flac: Int(SF_FORMAT_FLAC)
        case .ogg: Int(SF_FORMAT_OGG)
        case .mpeg: Int(SF_FORMAT_MPEG)
        case .au: Int(SF_FORMAT_AU)
        case .aiff: Int(SF_FORMAT_AIFF)
        case .other: nil
        }
    }
}

extension AudioFormat.Encoding {
    init(sndfileMinor minor: Int) {
        switch minor {
        case Int(SF_FORMAT_PCM_S8): self = .pcm8
        case Int(SF_FORMAT_PCM_U8): self = .pcmU8
        case Int(SF_FORMAT_PCM_16): self = .pcm16
        case Int(SF_FORMAT_PCM_24): self = .pcm24
        case Int(SF_FORMAT_PCM_32): self = .pcm32
        case Int(SF_FORMAT_FLOAT): self = .float
        case Int(SF_FORMAT_DOUBLE): self = .double
        case Int(SF_FORMAT_ULAW): self = .ulaw
        case Int(SF_FORMAT_ALAW): self = .alaw
        case Int(SF_FORMAT_GSM610): self = .gsm610
        case Int(SF_FORMAT_IMA_ADPCM): self = .imaADPCM
        case Int(SF_FORMAT_MS_ADPCM): self = .msADPCM
        case Int(SF_FORMAT_VORBIS): self = .vorbis
        case Int(SF_FORMAT_OPUS): self = .opus
        case Int(SF_FORMAT_MPEG_LAYER_III): self = .mp3
        default: self = .other
        }
    }

    var sndfileMinor: Int? {
        switch self {
        case .pcm8: Int(SF_FORMAT_PCM_S8)
        case .pcmU8: Int(SF_FORMAT_PCM_U8)
        case .pcm16, .flacNative: Int(SF_FORMAT_PCM_16)
        case .pcm24: Int(SF_FORMAT_PCM_24)
        case .pcm32: Int(SF_FORMAT_PCM_32)
        case .float: Int(SF_FORMAT_FLOAT)
        case .double: Int(SF_FORMAT_DOUBLE)
        case .ulaw: Int(SF_FORMAT_ULAW)
        case .alaw: Int(SF_FORMAT_ALAW)
        case .gsm610: Int(SF_FORMAT_GSM610)
        case .imaADPCM: Int(SF_FORMAT_IMA_ADPCM)
        case .msADPCM: Int(SF_FORMAT_MS_ADPCM)
        case .vorbis: Int(SF_FORMAT_VORBIS)
        case .opus: Int(SF_FORMAT_OPUS)
        case .mp3: Int(SF_FORMAT_MPEG_LAYER_III)
        case .other: nil
        }
    }
}
