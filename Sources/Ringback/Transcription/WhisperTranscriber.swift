import Foundation
import RingbackAudio
public import RingbackCore
public import RingbackWhisper
import Synchronization

/// Offline, in-process speech recognition with whisper.cpp and a ggml Whisper model (the default: OpenAI's Whisper
/// base, installed by `make deps`): nothing leaves the machine.
///
/// Audio is read with libsndfile, mixed to mono and resampled to 16 kHz with libsamplerate, in parts of at most a
/// minute cut at quiet moments, so memory stays flat however long the voicemail. One decode at a time per engine,
/// on `threads` cores and on a thread of its own, so the rest of the pipeline keeps running; cancelling the task
/// (SIGTERM) stops a decode within about a second through whisper.cpp's abort callback.
///
/// Whisper invents text over silence and noise ("Thank you for watching."). What it says there is dropped: audio
/// below the silence floor is not decoded at all; the rest is filtered by `HallucinationFilter`. A recording left with no words is a missed call,
/// never a transcript.
public struct WhisperTranscriber: Transcriber {
    public let modelPath: String
    public let options: WhisperOptions
    private let runner: WhisperRunner

    public init(modelPath: String, options: WhisperOptions = WhisperOptions()) {
        self.modelPath = modelPath
        self.options = options
        self.runner = WhisperRunner(path: modelPath)
    }

    /// `whisper:base-q8_0` for `ggml-base-q8_0.bin`, `whisper:large-v3-turbo` for `ggml-large-v3-turbo.bin`.
    public var name: String {
        var stem = URL(fileURLWithPath: modelPath).deletingPathExtension().lastPathComponent
        if stem.hasPrefix("ggml-") { stem.removeFirst("ggml-".count) }
        return "whisper:\(stem)"
    }

    public var requirements: AudioRequirements {
        AudioRequirements(formats: .anyReadable, maxSeconds: 60, readsInPlace: true)
    }

    /// At exit: waits (at most `timeout` seconds) for decodes that were told to stop to reach their next step.
    public static func waitForStoppedDecodes(timeout: Double) {
        WhisperModel.waitUntilIdle(timeout: timeout)
    }

    /// Loads the model now (at start and in `ringback check`) instead of on the first voicemail.
    public func prepare() async throws(TranscriptionError) {
        _ = try await runner.model(engine: name)
    }

    public func transcribe(_ clip: AudioClip) async throws(TranscriptionError) -> Transcript {
        let samples: [Float]
        do throws(AudioError) {
            samples = try await BlockingWork.run { () throws(AudioError) -> [Float] in
                try AudioFile(reading: clip.url).monoSamples(frames: clip.frames, rate: 16_000)
            }
        } catch {
            throw TranscriptionError(code: .preparation, engine: name, message: error.description)
        }
        let level = SpeechLevel(samples: samples, rate: 16_000)
        let seconds = Double(samples.count) / 16_000
        guard level.overallDBFS >= AudioProbe.silenceThresholdDBFS else {
            return Transcript(text: "", engine: name, language: nil, confidence: nil, segments: [], duration: seconds)
        }
        let options = self.options
        let heard = try await runner.withModel(engine: name) { (model, abort) throws(WhisperError) -> Heard in
            try samples.withUnsafeBufferPointer { (pointer) throws(WhisperError) -> Heard in
                // The model's own "no speech" judgement per window, weighed with each segment's confidence below;
                // never alone (a window of dense real speech can read 0.7).
                let noSpeech = try model.noSpeechProbabilities(pointer, threads: options.threads, abort: abort)
                return Heard(noSpeech: noSpeech, result: try model.decode(pointer, options: options, abort: abort))
            }
        }
        let result = heard.result
        let kept = HallucinationFilter.speech(in: result.segments, noSpeech: heard.noSpeech, level: level)
        let words = kept.flatMap(\.tokens)
        let confidence = words.isEmpty ? nil : words.reduce(0) { $0 + $1.probability } / Double(words.count)
        return Transcript(
            text: kept.map(\.text).joined(separator: " "), engine: name, language: kept.isEmpty ? nil : result.language,
            confidence: confidence, segments: kept.map { .init(start: $0.start, end: $0.end, text: $0.text) }, duration: seconds)
    }

    private struct Heard: Sendable {
        var noSpeech: [Double]
        var result: WhisperResult
    }
}

/// The loaded model, shared by every copy of the engine, and the gate that lets one decode run at a time.
final class WhisperRunner: Sendable {
    let path: String
    private let gate = AsyncGate(limit: 1)
    private let loaded = Mutex<WhisperModel?>(nil)

    init(path: String) {
        self.path = path
    }

    /// The model, loaded on first use; a failure is not kept, so a fixed file is picked up on the next voicemail.
    func model(engine: String) async throws(TranscriptionError) -> WhisperModel {
        if let model = loaded.withLock({ $0 }) { return model }
        let path = self.path
        do throws(WhisperError) {
            let model = try await BlockingWork.run { () throws(WhisperError) -> WhisperModel in try WhisperModel(path: path) }
            loaded.withLock { $0 = $0 ?? model }
            return model
        } catch {
            throw TranscriptionError(code: .preparation, engine: engine, message: error.description)
        }
    }

    /// Runs `body` with the model when no other decode is running, on a thread of its own. Cancelling the task
    /// raises the abort flag whisper.cpp polls and returns at once: the encoder pass that reads "no speech" cannot
    /// be interrupted, and ServiceLifecycle ends the process with a fatal error if cancelled work takes longer than
    /// its limit. The C work finishes in the background and only then lets the next decode in; `ringback watch`
    /// waits for it (`WhisperModel.waitUntilIdle`) before exiting.
    func withModel<T: Sendable>(
        engine: String, _ body: @escaping @Sendable (WhisperModel, WhisperAbort) throws(WhisperError) -> T
    ) async throws(TranscriptionError) -> T {
        await gate.enter()
        let model: WhisperModel
        do throws(TranscriptionError) {
            if Task.isCancelled { throw Self.cancelled(engine) }
            model = try await self.model(engine: engine)
        } catch {
            await gate.leave()
            throw error
        }
        let abort = WhisperAbort()
        let outcome = OnceResult<T>()
        let gate = self.gate
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<T, WhisperError>, Never>) in
                outcome.wait(with: continuation)
                WhisperModel.startWork()
                // A thread of its own, not Dispatch's global pool: that pool has about one thread per core on
                // Linux, and a decode holding one for seconds would stall every transfer and transcode behind it.
                let thread = Thread {
                    let value = Result { () throws(WhisperError) -> T in try body(model, abort) }
                    WhisperModel.endWork()
                    Task { await gate.leave() }
                    outcome.resolve(value)
                }
                thread.name = "ringback.whisper"
                thread.start()
            }
        } onCancel: {
            abort.raise()
            outcome.resolve(.failure(.cancelled))
        }
        switch result {
        case .success(let value): return value
        case .failure(.cancelled): throw Self.cancelled(engine)
        case .failure(let error): throw TranscriptionError(code: .preparation, engine: engine, message: error.description)
        }
    }

    private static func cancelled(_ engine: String) -> TranscriptionError {
        TranscriptionError(code: .cancelled, engine: engine, message: "stopped: Ringback is shutting down")
    }
}

/// A result delivered once, by whichever comes first: the work finishing, or its cancellation.
final class OnceResult<T: Sendable>: Sendable {
    private enum State {
        case empty
        case waiting(CheckedContinuation<Result<T, WhisperError>, Never>)
        case resolved(Result<T, WhisperError>)
        case done
    }

    private let state = Mutex<State>(.empty)

    func wait(with continuation: CheckedContinuation<Result<T, WhisperError>, Never>) {
        let early: Result<T, WhisperError>? = state.withLock { state in
            if case .resolved(let value) = state {
                state = .done
                return value
            }
            state = .waiting(continuation)
            return nil
        }
        if let early { continuation.resume(returning: early) }
    }

    func resolve(_ value: Result<T, WhisperError>) {
        let waiting: CheckedContinuation<Result<T, WhisperError>, Never>? = state.withLock { state in
            switch state {
            case .empty:
                state = .resolved(value)
                return nil
            case .waiting(let continuation):
                state = .done
                return continuation
            case .resolved, .done:
                return nil
            }
        }
        waiting?.resume(returning: value)
    }
}
