public import Foundation

/// What a recording is: format, length and level, measured by reading every frame.
public struct AudioProbe: Sendable, Codable, Equatable {
    public var format: AudioFormat
    public var sampleRate: Int
    public var channels: Int
    /// Frames actually decoded; a corrupt header may claim more.
    public var frames: Int64
    public var durationMilliseconds: Int64
    /// Peak and RMS level over all channels in dBFS (`-inf` is reported as nil: digital silence).
    public var peakDBFS: Double?
    public var rmsDBFS: Double?
    public var infoStrings: [String: String]
    /// Why the header cannot be believed, when it says something the audio contradicts (a size that is wrong, more
    /// frames than there are): the file is damaged, and what could be read is all there is.
    public var damage: String?

    public var duration: Duration { .milliseconds(durationMilliseconds) }

    /// Level below which a recording counts as silence (a hang-up that left only line noise).
    public static let silenceThresholdDBFS = -50.0

    public var isSilent: Bool { (peakDBFS ?? -.infinity) < Self.silenceThresholdDBFS }

    public init(
        format: AudioFormat, sampleRate: Int, channels: Int, frames: Int64, durationMilliseconds: Int64,
        peakDBFS: Double?, rmsDBFS: Double?, infoStrings: [String: String]
    ) {
        self.format = format
        self.sampleRate = sampleRate
        self.channels = channels
        self.frames = frames
        self.durationMilliseconds = durationMilliseconds
        self.peakDBFS = peakDBFS
        self.rmsDBFS = rmsDBFS
        self.infoStrings = infoStrings
        self.damage = nil
    }

    /// Reads the whole file in fixed-size blocks.
    public init(url: URL) throws(AudioError) {
        let file = try AudioFile(reading: url)
        let blockFrames = 4096
        var buffer = [Float](repeating: 0, count: blockFrames * file.channels)
        var frames: Int64 = 0
        var peak: Float = 0
        var sumOfSquares: Double = 0
        while true {
            let read = try buffer.withUnsafeMutableBufferPointer { (pointer) throws(AudioError) -> Int in
                try file.read(into: pointer)
            }
            if read == 0 { break }
            frames += Int64(read)
            for sample in buffer[0..<(read * file.channels)] {
                let magnitude = abs(sample)
                if magnitude > peak { peak = magnitude }
                sumOfSquares += Double(sample) * Double(sample)
            }
        }
        guard frames > 0 else {
            throw .empty(path: url.path, reason: "no audio frames (the header claims \(file.declaredFrames))")
        }
        let samples = Double(frames) * Double(file.channels)
        let rms = (sumOfSquares / samples).squareRoot()
        self.init(
            format: file.format,
            sampleRate: file.sampleRate,
            channels: file.channels,
            frames: frames,
            durationMilliseconds: (frames * 1000 + Int64(file.sampleRate) / 2) / Int64(file.sampleRate),
            peakDBFS: Self.decibels(Double(peak)),
            rmsDBFS: Self.decibels(rms),
            infoStrings: Dictionary(uniqueKeysWithValues: file.infoStrings.map { ($0.key.rawValue, $0.value) })
        )
        var problems = file.headerInconsistencies
        if let unfilled = WAVHeader(url)?.unfilledPlaceholder { problems.append(unfilled) }
        if file.declaredFrames > frames, file.sampleRate > 0 {
            let claimed = Double(file.declaredFrames) / Double(file.sampleRate)
            problems.insert(
                "the header claims \(Self.clock(claimed)) of audio, but \(Self.clock(Double(frames) / Double(file.sampleRate))) could be read", at: 0)
        }
        damage = problems.isEmpty ? nil : problems.joined(separator: "; ")
    }

    /// `1:02:03`, `0:42`
    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (hours, minutes, rest) = (total / 3600, total % 3600 / 60, total % 60)
        return hours > 0 ? String(format: "%d:%02d:%02d", hours, minutes, rest) : String(format: "%d:%02d", minutes, rest)
    }

    private static func decibels(_ amplitude: Double) -> Double? {
        guard amplitude > 0 else { return nil }
        return (20 * log10(amplitude) * 10).rounded() / 10
    }
}
