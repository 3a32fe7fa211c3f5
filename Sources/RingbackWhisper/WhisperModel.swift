import CRingbackWhisper
public import Foundation
import Synchronization

/// A whisper.cpp model loaded into memory (Whisper base: about 150 MB; loading takes a few tenths of a second).
/// Owns the `whisper_context` and frees it in `deinit`.
///
/// One decode at a time: whisper.cpp keeps a decode's state inside the context. Callers serialise (the engine holds
/// one model and a gate of one).
public final class WhisperModel: @unchecked Sendable {
    private let context: OpaquePointer
    public let path: String
    /// True for models trained on many languages (base, small, large-v3…), false for the `.en` ones.
    public let isMultilingual: Bool

    /// whisper.cpp's own version, for `ringback check`.
    public static var version: String { String(cString: whisper_version()) }

    /// Loads the ggml file at `path`; a missing, unreadable or truncated file throws with the path and the reason.
    public init(path: String) throws(WhisperError) {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw .model(
                path: path, reason: errno == ENOENT ? "no such file (run `make deps`, or set `model:` to a ggml file)" : String(cString: strerror(errno)))
        }
        guard status.st_mode & S_IFMT == S_IFREG else { throw .model(path: path, reason: "not a regular file") }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .model(path: path, reason: "cannot be opened for reading")
        }
        let magic = (try? handle.read(upToCount: 4)).map { [UInt8]($0) } ?? []
        try? handle.close()
        // "lmgg": the ggml magic as whisper.cpp writes it (little-endian 0x67676d6c).
        guard magic == [0x6C, 0x6D, 0x67, 0x67] else {
            throw .model(path: path, reason: "not a whisper.cpp ggml model (it does not start with the ggml magic)")
        }
        CRingbackWhisper_silence_logs()
        guard let context = CRingbackWhisper_load(path) else {
            throw .model(path: path, reason: "whisper.cpp could not load it (truncated, or a model format it does not know)")
        }
        self.context = context
        self.path = path
        self.isMultilingual = whisper_is_multilingual(context) != 0
    }

    deinit {
        whisper_free(context)
    }

    /// Decodes running on some thread, in the whole process: a process that exits must let them finish first
    /// (whisper.cpp's static state is torn down at exit).
    private static let running = Atomic<Int>(0)

    public static func startWork() { running.add(1, ordering: .sequentiallyConsistent) }
    public static func endWork() { running.subtract(1, ordering: .sequentiallyConsistent) }

    /// Blocks until no decode runs or `timeout` seconds have passed; true when idle. Called once at exit, after
    /// every decode was asked to stop.
    @discardableResult
    public static func waitUntilIdle(timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while running.load(ordering: .sequentiallyConsistent) > 0 {
            if Date() >= deadline { return false }
            usleep(20_000)
        }
        return true
    }

    /// For each 30 s window of 16 kHz mono samples, the model's probability that it holds no speech at all: one pass
    /// of the encoder per window, much cheaper than the decode Whisper would otherwise spend inventing text there.
    public func noSpeechProbabilities(_ samples: UnsafeBufferPointer<Float>, threads: Int, abort: WhisperAbort) throws(WhisperError) -> [Double] {
        guard samples.count > 0 else { return [] }
        guard CRingbackWhisper_mel(context, samples.baseAddress, Int32(clamping: samples.count), Int32(clamping: threads)) == 0 else {
            throw .decode(path: path, status: -1)
        }
        var probabilities: [Double] = []
        var offset = 0
        let frames = Int(whisper_n_len(context))
        repeat {
            if abort.isRaised { throw .cancelled }
            let probability = CRingbackWhisper_no_speech(context, Int32(clamping: offset), Int32(clamping: threads))
            guard probability >= 0 else { throw .decode(path: path, status: -2) }
            probabilities.append(Double(probability))
            offset += 3000  // 30 s of 10 ms mel frames
        } while offset < frames
        return probabilities
    }

    /// Decodes 16 kHz mono samples. `abort` stops it between two steps of the network (within about a second);
    /// an aborted decode throws `.cancelled`.
    public func decode(_ samples: UnsafeBufferPointer<Float>, options: WhisperOptions, abort: WhisperAbort) throws(WhisperError) -> WhisperResult {
        guard samples.count > 0 else { return WhisperResult(language: options.language, segments: []) }
        let language = options.language.flatMap { $0 == "auto" ? nil : $0 }
        let status = withOptionalCString(language) { languagePointer in
            withOptionalCString(options.prompt) { promptPointer in
                CRingbackWhisper_full(
                    context, samples.baseAddress, Int32(clamping: samples.count), Int32(clamping: options.threads),
                    Int32(clamping: options.beamSize), languagePointer, promptPointer, abort.flag)
            }
        }
        if status != 0, abort.isRaised { throw .cancelled }
        guard status == 0 else { throw .decode(path: path, status: Int(status)) }
        let eot = whisper_token_eot(context)
        var segments: [WhisperResult.Segment] = []
        for index in 0..<whisper_full_n_segments(context) {
            var tokens: [WhisperResult.Token] = []
            for tokenIndex in 0..<whisper_full_n_tokens(context, index) {
                let data = whisper_full_get_token_data(context, index, tokenIndex)
                guard data.id < eot else { continue }  // timestamps and other special tokens are not words
                let text = whisper_full_get_token_text(context, index, tokenIndex).map { String(cString: $0) } ?? ""
                tokens.append(.init(text: text, probability: Double(data.p)))
            }
            segments.append(
                WhisperResult.Segment(
                    start: Double(whisper_full_get_segment_t0(context, index)) / 100,
                    end: Double(whisper_full_get_segment_t1(context, index)) / 100,
                    text: whisper_full_get_segment_text(context, index).map { String(cString: $0) } ?? "",
                    noSpeechProbability: Double(whisper_full_get_segment_no_speech_prob(context, index)),
                    tokens: tokens))
        }
        let languageID = whisper_full_lang_id(context)
        let detected = languageID >= 0 ? whisper_lang_str(languageID).map { String(cString: $0) } : nil
        return WhisperResult(language: detected ?? language, segments: segments)
    }
}

private func withOptionalCString<T>(_ string: String?, _ body: (UnsafePointer<CChar>?) -> T) -> T {
    guard let string else { return body(nil) }
    return string.withCString { body($0) }
}

/// How to decode: the engine's settings from pipeline.yml.
public struct WhisperOptions: Sendable, Equatable {
    /// A language code (`en`, `es`), or nil / `auto` to detect it.
    public var language: String?
    /// Words to expect (the business's name, street names, products): whisper's initial prompt.
    public var prompt: String?
    public var threads: Int
    /// 1 decodes greedily; more searches that many beams (slower, sometimes better on noisy audio).
    public var beamSize: Int

    public init(language: String? = nil, prompt: String? = nil, threads: Int = ProcessInfo.processInfo.activeProcessorCount, beamSize: Int = 1) {
        self.language = language
        self.prompt = prompt
        self.threads = max(1, threads)
        self.beamSize = max(1, beamSize)
    }
}

/// A flag to stop a decode from another thread. Owns its C allocation.
public final class WhisperAbort: @unchecked Sendable {
    fileprivate let flag: UnsafeMutableRawPointer

    public init() {
        guard let flag = CRingbackWhisper_flag_new() else { preconditionFailure("out of memory for 4 bytes") }
        self.flag = flag
    }

    deinit {
        CRingbackWhisper_flag_free(flag)
    }

    public func raise() { CRingbackWhisper_flag_raise(flag) }
    public var isRaised: Bool { CRingbackWhisper_flag_is_raised(flag) }
}
