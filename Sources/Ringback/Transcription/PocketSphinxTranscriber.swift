import Dispatch
import Foundation
import RingbackAudio
import RingbackSphinx
import Synchronization

/// Offline, in-process speech recognition with libpocketsphinx and Debian's US English model: nothing leaves the
/// machine. Its transcripts are drafts (about half the words of 8 kHz telephone audio come out wrong), so they are
/// always labelled as such, with a confidence from the words' posterior probabilities.
///
/// Each voicemail is decoded in utterances of at most 30 s, cut at quiet moments: one long utterance costs about
/// 35 MB per minute of audio and is less accurate. Decoders (about 94 MB each) are kept for reuse, at most
/// `maxConcurrent` of them, and decode on a Dispatch thread so the cooperative pool never blocks.
public struct PocketSphinxTranscriber: Transcriber {
    /// The model folder (Debian's `/usr/share/pocketsphinx/model/en-us` by default).
    public let modelFolder: String
    public let maxConcurrent: Int
    private let pool: DecoderPool

    public init(modelFolder: String? = nil, maxConcurrent: Int = 1) {
        self.modelFolder = modelFolder ?? SphinxDecoder.Model.defaultFolder
        self.maxConcurrent = max(1, maxConcurrent)
        self.pool = DecoderPool(model: SphinxDecoder.Model(folder: self.modelFolder), limit: self.maxConcurrent)
    }

    public var name: String { "pocketsphinx" }

    public var requirements: AudioRequirements {
        AudioRequirements(formats: .anyReadable, maxSeconds: 30, readsInPlace: true)
    }

    public func transcribe(_ clip: AudioClip) async throws(TranscriptionError) -> Transcript {
        let result = await pool.withDecoder { decoder in
            Result { () throws(SphinxError) -> SphinxHypothesis in try decoder.decode(clip.url, frames: clip.frames) }
        }
        switch result {
        case .success(let hypothesis):
            let heard = hypothesis.heardSpeech
            let segments = heard ? hypothesis.words.map {
                Transcript.Segment(start: Double($0.startFrame) / 100, end: Double($0.startFrame + $0.frames) / 100, text: $0.text)
            } : []
            return Transcript(
                text: heard ? hypothesis.text : "", engine: name, language: "en", confidence: hypothesis.confidence, isOfflineDraft: true,
                segments: segments, duration: hypothesis.seconds)
        case .failure(let error):
            throw TranscriptionError(code: .preparation, engine: name, message: error.message)
        }
    }
}

/// Loaded decoders, handed to one request at a time; a new one is loaded only when all are busy and the limit
/// allows. A decoder that failed to load is not kept, so a fixed model folder takes effect on the next voicemail.
final class DecoderPool: Sendable {
    private let model: SphinxDecoder.Model
    private let gate: AsyncGate
    private let idle = Mutex<[SphinxDecoder]>([])

    init(model: SphinxDecoder.Model, limit: Int) {
        self.model = model
        self.gate = AsyncGate(limit: limit)
    }

    func withDecoder<T: Sendable>(_ body: @escaping @Sendable (SphinxDecoder) -> Result<T, SphinxError>) async -> Result<T, SphinxError> {
        await gate.run { () async -> Result<T, SphinxError> in
            await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    let decoder: SphinxDecoder
                    if let reused = self.idle.withLock({ $0.popLast() }) {
                        decoder = reused
                    } else {
                        do throws(SphinxError) {
                            decoder = try SphinxDecoder(model: self.model)
                        } catch {
                            continuation.resume(returning: .failure(error))
                            return
                        }
                    }
                    let result = body(decoder)
                    self.idle.withLock { $0.append(decoder) }
                    continuation.resume(returning: result)
                }
            }
        }
    }
}
