import CRingbackSphinx
public import Foundation
public import RingbackAudio

/// A pocketsphinx decoder with its acoustic model, language model and dictionary loaded (about 94 MB; loading takes
/// 0.1–0.5 s). Owns the `ps_decoder_t` and frees it in `deinit`.
///
/// One request at a time: reuse it for utterance after utterance, but never from two threads at once. Two
/// decoders in two threads are fine.
public final class SphinxDecoder: @unchecked Sendable {
    /// Where the model files are. Debian's `pocketsphinx-en-us` puts US English in `/usr/share/pocketsphinx/model/en-us`.
    public struct Model: Sendable, Equatable {
        public var acousticModel: String
        public var languageModel: String
        public var dictionary: String

        public static let defaultFolder = "/usr/share/pocketsphinx/model/en-us"

        /// A folder laid out like Debian's: `en-us/` (acoustic model), `en-us.lm.bin`, `cmudict-en-us.dict`.
        public init(folder: String = defaultFolder) {
            acousticModel = folder + "/en-us"
            languageModel = folder + "/en-us.lm.bin"
            dictionary = folder + "/cmudict-en-us.dict"
        }

        /// The first file that is missing, if any.
        public var missingFile: String? {
            [acousticModel + "/mdef", languageModel, dictionary].first { !FileManager.default.fileExists(atPath: $0) }
        }
    }

    /// The rate the acoustic model was trained on; all audio is resampled to it.
    public static let sampleRate = 16_000
    /// pocketsphinx's frame rate (10 ms frames).
    static let framesPerSecond = 100.0

    private let decoder: OpaquePointer

    public init(model: Model = Model()) throws(SphinxError) {
        if let missing = model.missingFile {
            throw SphinxError(message: "model file \(missing) is missing (is Debian's pocketsphinx-en-us installed?)")
        }
        guard let decoder = CRingbackSphinx_init(model.acousticModel, model.languageModel, model.dictionary) else {
            throw SphinxError(message: "pocketsphinx could not load the model in \(model.acousticModel)")
        }
        self.decoder = decoder
    }

    deinit {
        ps_free(decoder)
    }

    /// Decodes `frames` of a sound file (any format libsndfile reads) as one utterance: mixed to mono, resampled
    /// to 16 kHz with libsamplerate as it is read.
    public func decode(_ url: URL, frames: Range<Int64>) throws(SphinxError) -> SphinxHypothesis {
        var samples: [Int16] = []
        var sumOfSquares = 0.0
        var count = 0
        do throws(AudioError) {
            let file = try AudioFile(reading: url)
            let channels = file.channels
            samples.reserveCapacity(Int(Double(frames.count) * Double(Self.sampleRate) / Double(file.sampleRate)) + 1024)
            let append = { (block: UnsafeBufferPointer<Float>, frames: Int) throws(AudioError) in
                for index in 0..<frames {
                    let sample = max(-1, min(1, block[index]))
                    sumOfSquares += Double(sample * sample)
                    samples.append(Int16(sample * 32767))
                }
                count += frames
            }
            let resampler = file.sampleRate == Self.sampleRate ? nil : try Resampler(from: file.sampleRate, to: Self.sampleRate, channels: 1)
            var mono = [Float](repeating: 0, count: 4096)
            try file.forEachBlock(frames: frames) { (block, frameCount) throws(AudioError) in
                if mono.count < frameCount { mono = [Float](repeating: 0, count: frameCount) }
                for frame in 0..<frameCount {
                    var sum: Float = 0
                    for channel in 0..<channels { sum += block[frame * channels + channel] }
                    mono[frame] = sum / Float(channels)
                }
                try mono.withUnsafeBufferPointer { (pointer) throws(AudioError) in
                    if let resampler {
                        try resampler.process(pointer, frames: frameCount, endOfInput: false, emit: append)
                    } else {
                        try append(pointer, frameCount)
                    }
                }
            }
            try resampler?.process(UnsafeBufferPointer(start: nil, count: 0), frames: 0, endOfInput: true, emit: append)
        } catch {
            throw SphinxError(message: error.description)
        }
        let seconds = Double(count) / Double(Self.sampleRate)
        let rms = count > 0 ? 10 * log10(max(sumOfSquares / Double(count), 1e-20)) : -.infinity
        // Digital silence makes the decoder invent a word; there is nothing to decode below the silence floor.
        guard rms >= AudioProbe.silenceThresholdDBFS else { return SphinxHypothesis(words: [], seconds: seconds, rmsDBFS: rms) }
        return try samples.withUnsafeBufferPointer { (pointer) throws(SphinxError) in
            try decodeUtterance(pointer, seconds: seconds, rms: rms)
        }
    }

    private func decodeUtterance(_ samples: UnsafeBufferPointer<Int16>, seconds: Double, rms: Double) throws(SphinxError) -> SphinxHypothesis {
        guard ps_start_utt(decoder) == 0 else { throw SphinxError(message: "cannot start an utterance") }
        // One call with the whole utterance (full_utt): results do not depend on block boundaries.
        let processed = ps_process_raw(decoder, samples.baseAddress, samples.count, 0, 1)
        guard ps_end_utt(decoder) == 0, processed >= 0 else { throw SphinxError(message: "pocketsphinx failed to decode the audio") }
        var words: [SphinxHypothesis.Word] = []
        var segment = ps_seg_iter(decoder)
        while let current = segment {
            if let text = ps_seg_word(current).map({ String(cString: $0) }), SphinxHypothesis.isWord(text) {
                var start: Int32 = 0
                var end: Int32 = 0
                ps_seg_frames(current, &start, &end)
                var acoustic: Int32 = 0
                var language: Int32 = 0
                var backoff: Int32 = 0
                let posterior = CRingbackSphinx_probability(decoder, ps_seg_prob(current, &acoustic, &language, &backoff))
                words.append(.init(
                    text: SphinxHypothesis.spelling(text), startFrame: Int(start), frames: Int(max(end - start + 1, 1)),
                    posterior: min(1, max(0, posterior))))
            }
            segment = ps_seg_next(current)
        }
        return SphinxHypothesis(words: words, seconds: seconds, rmsDBFS: rms)
    }
}

/// A pocketsphinx failure, in words a person can act on.
public struct SphinxError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
