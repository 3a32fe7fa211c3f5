public import Foundation
public import RingbackAudio

/// How one voicemail reaches one engine: as it is, converted, or cut into parts at quiet moments.
///
/// Parts are written one at a time, just before their request, into a temp file that is removed as soon as the
/// clip is released; so disk and memory hold at most one part, however long the voicemail.
public struct ClipPlan: Sendable {
    public let source: URL
    public let probe: AudioProbe
    public let requirements: AudioRequirements
    /// Frame ranges of the source, one per request.
    public let ranges: [Range<Int64>]
    /// The format and rate sent (the original's when the engine takes it as it is).
    public let format: AudioFormat
    public let sampleRate: Int
    private let converts: Bool

    /// Plans `source` for an engine; reads the file once when it must be cut (to find the quiet moments).
    public init(_ source: URL, probe: AudioProbe, requirements: AudioRequirements) throws(AudioError) {
        self.source = source
        self.probe = probe
        self.requirements = requirements
        let rate = requirements.sampleRate ?? probe.sampleRate
        let seconds = Double(probe.durationMilliseconds) / 1000
        let wholeFrames = 0..<probe.frames
        if requirements.readsInPlace {
            // The engine decodes and resamples in-process: parts are frame ranges of the original.
            self.format = probe.format
            self.sampleRate = probe.sampleRate
            self.converts = false
            let limit = requirements.maxSeconds ?? .infinity
            self.ranges = seconds > limit ? try AudioSplitter.plan(source, maxSeconds: limit) : [wholeFrames]
            return
        }
        let needsConversion = !requirements.formats.accepts(probe.format) || rate != probe.sampleRate
        let sentFormat = needsConversion ? requirements.convertTo : probe.format
        let wholeBytes =
            needsConversion
            ? Self.estimatedBytes(requirements.convertTo, rate: rate, channels: probe.channels, seconds: seconds)
            : Self.fileSize(source)
        if Self.fits(bytes: wholeBytes, seconds: seconds, requirements) {
            self.format = sentFormat
            self.sampleRate = rate
            self.converts = needsConversion
            self.ranges = [wholeFrames]
            return
        }
        // Too long or too large: parts are always written, in the conversion format.
        var limit = requirements.maxSeconds ?? .infinity
        if let maxBytes = requirements.maxBytes {
            let perSecond = Self.bytesPerSecond(requirements.convertTo, rate: rate, channels: probe.channels)
            limit = min(limit, Double(maxBytes - Self.headerAllowance) / perSecond)
        }
        guard limit >= 1 else {
            throw .unwritable(path: source.path, reason: "no part of at least 1 s fits the engine's limit of \(requirements.maxBytes ?? 0) bytes")
        }
        self.format = requirements.convertTo
        self.sampleRate = rate
        self.converts = true
        self.ranges = try AudioSplitter.plan(source, maxSeconds: limit)
    }

    public var parts: Int { ranges.count }

    /// The clip for part `index`, written to a temp file when it has to be; release it after its request.
    public func clip(_ index: Int) throws(AudioError) -> PreparedClip {
        let range = ranges[index]
        let name = source.deletingPathExtension().lastPathComponent
        let offset = Duration.milliseconds(range.lowerBound * 1000 / Int64(max(probe.sampleRate, 1)))
        let duration = Duration.milliseconds(Int64(range.count) * 1000 / Int64(max(probe.sampleRate, 1)))
        let isWhole = range == 0..<probe.frames
        guard converts || !isWhole, !requirements.readsInPlace else {
            let clip = AudioClip(
                url: source, format: format, sampleRate: sampleRate, frames: range, offset: offset, duration: duration,
                part: index + 1, parts: parts, name: name)
            return PreparedClip(clip: clip, temporary: nil)
        }
        let temporary = FileManager.default.temporaryDirectory
            .appendingPathComponent("ringback-\(UUID().uuidString).\(format.fileExtension)")
        let written: Int64
        do throws(AudioError) {
            written = try AudioTranscoder.transcode(
                source, to: temporary, format: format, sampleRate: sampleRate, frames: isWhole ? nil : range)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
        let clip = AudioClip(
            url: temporary, format: format, sampleRate: sampleRate, frames: 0..<written, offset: offset, duration: duration,
            part: index + 1, parts: parts, name: name)
        return PreparedClip(clip: clip, temporary: temporary)
    }

    // MARK: Sizes

    /// Room for a WAV or FLAC header and metadata, so a part never lands a few bytes over the limit.
    static let headerAllowance: Int64 = 64 * 1024

    private static func fits(bytes: Int64, seconds: Double, _ requirements: AudioRequirements) -> Bool {
        if let maxSeconds = requirements.maxSeconds, seconds > maxSeconds { return false }
        if let maxBytes = requirements.maxBytes, bytes > maxBytes { return false }
        return true
    }

    /// Bytes `seconds` of audio take in `format`, header included: exact for PCM; FLAC is bounded by PCM.
    static func estimatedBytes(_ format: AudioFormat, rate: Int, channels: Int, seconds: Double) -> Int64 {
        Int64((bytesPerSecond(format, rate: rate, channels: channels) * seconds).rounded(.up)) + headerAllowance
    }

    static func bytesPerSecond(_ format: AudioFormat, rate: Int, channels: Int) -> Double {
        let bytesPerSample: Double =
            switch format.encoding {
            case .pcm16: 2
            case .pcm24: 3
            case .pcm32, .float: 4
            case .ulaw, .alaw, .pcm8, .pcmU8: 1
            case .double: 8
            default: 2
            }
        return Double(rate * channels) * bytesPerSample
    }

    private static func fileSize(_ url: URL) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.int64Value ?? 0
    }
}

/// A clip ready to send. Owns its temp file, if any, and removes it when released.
public final class PreparedClip: Sendable {
    public let clip: AudioClip
    private let temporary: URL?

    init(clip: AudioClip, temporary: URL?) {
        self.clip = clip
        self.temporary = temporary
    }

    deinit {
        if let temporary { try? FileManager.default.removeItem(at: temporary) }
    }
}
