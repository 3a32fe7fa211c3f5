import CRingbackSampleRate

/// A streaming sample-rate converter (libsamplerate). Owns the converter state and frees it in `deinit`.
///
/// Feed it blocks in order; it keeps the filter's history between calls, so a recording of any length is
/// converted in constant memory with no clicks at block boundaries.
public final class Resampler {
    public enum Quality: Sendable {
        /// `SRC_SINC_FASTEST`: band-limited, plenty for speech recognition.
        case fastest
        /// `SRC_SINC_MEDIUM_QUALITY`.
        case medium

        var converter: Int32 {
            switch self {
            case .fastest: Int32(SRC_SINC_FASTEST)
            case .medium: Int32(SRC_SINC_MEDIUM_QUALITY)
            }
        }
    }

    private let state: OpaquePointer
    public let inputRate: Int
    public let outputRate: Int
    public let channels: Int
    private var output: [Float] = []

    public init(from inputRate: Int, to outputRate: Int, channels: Int, quality: Quality = .fastest) throws(AudioError) {
        var error: Int32 = 0
        guard inputRate > 0, outputRate > 0, channels > 0, let state = src_new(quality.converter, Int32(channels), &error) else {
            throw .unwritable(path: "(resampler)", reason: "cannot convert \(inputRate) Hz to \(outputRate) Hz: \(Self.message(error))")
        }
        self.state = state
        self.inputRate = inputRate
        self.outputRate = outputRate
        self.channels = channels
    }

    deinit {
        src_delete(state)
    }

    private var ratio: Double { Double(outputRate) / Double(inputRate) }

    /// Converts `frames` interleaved frames of `input` and calls `emit` with the converted frames (possibly several
    /// times, possibly none while the filter fills). Pass `endOfInput` with the last block (which may be empty)
    /// to flush what the filter still holds.
    public func process(
        _ input: UnsafeBufferPointer<Float>, frames: Int, endOfInput: Bool,
        emit: (UnsafeBufferPointer<Float>, Int) throws(AudioError) -> Void
    ) throws(AudioError) {
        let capacity = Int((Double(max(frames, 256)) * ratio).rounded(.up)) + 64
        if output.count < capacity * channels { output = [Float](repeating: 0, count: capacity * channels) }
        var offset = 0
        while true {
            var data = SRC_DATA()
            let remaining = frames - offset
            let (used, generated, status): (Int, Int, Int32) = output.withUnsafeMutableBufferPointer { out in
                data.data_in = remaining > 0 ? input.baseAddress.map { UnsafePointer($0 + offset * channels) } : nil
                data.input_frames = remaining
                data.data_out = out.baseAddress
                data.output_frames = out.count / channels
                data.end_of_input = endOfInput ? 1 : 0
                data.src_ratio = ratio
                let status = src_process(state, &data)
                return (Int(data.input_frames_used), Int(data.output_frames_gen), status)
            }
            guard status == 0 else {
                throw .io(path: "(resampler)", reason: Self.message(status))
            }
            if generated > 0 {
                try output.withUnsafeBufferPointer { (pointer) throws(AudioError) in try emit(pointer, generated) }
            }
            offset += used
            // Done when the input is consumed and, at the end, the filter has nothing left to give.
            if offset >= frames && (!endOfInput || generated == 0) { break }
        }
    }

    private static func message(_ code: Int32) -> String {
        src_strerror(code).map { String(cString: $0) } ?? "libsamplerate error \(code)"
    }
}
