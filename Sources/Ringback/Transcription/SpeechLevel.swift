import Foundation

/// The loudness of 16 kHz audio over time, in 100 ms windows: whether there is anything under a stretch of text.
struct SpeechLevel: Sendable {
    let overallDBFS: Double
    private let windows: [Double]
    private let windowSeconds = 0.1

    init(samples: [Float], rate: Int) {
        let size = max(1, rate / 10)
        var windows: [Double] = []
        windows.reserveCapacity(samples.count / size + 1)
        var total = 0.0
        var start = 0
        while start < samples.count {
            let end = min(start + size, samples.count)
            var sum = 0.0
            for index in start..<end { sum += Double(samples[index] * samples[index]) }
            total += sum
            windows.append(Self.decibels(sum / Double(end - start)))
            start = end
        }
        self.windows = windows
        overallDBFS = samples.isEmpty ? -.infinity : Self.decibels(total / Double(samples.count))
    }

    /// The loudest 100 ms between `start` and `end` seconds: speech has syllables well above the floor.
    func peakDBFS(from start: Double, to end: Double) -> Double {
        let first = max(0, Int(start / windowSeconds))
        let last = min(windows.count, Int((end / windowSeconds).rounded(.up)))
        guard first < last else { return -.infinity }
        return windows[first..<last].max() ?? -.infinity
    }

    private static func decibels(_ meanSquare: Double) -> Double {
        10 * log10(max(meanSquare, 1e-20))
    }
}
