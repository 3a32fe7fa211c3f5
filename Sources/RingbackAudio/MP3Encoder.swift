import CRingbackLame
import Foundation
import Glibc

/// Writes MP3 with LAME, block by block. Owns the encoder and the file descriptor.
///
/// libsndfile can write MP3 too, but it fixes LAME's quality at 2, its slowest useful setting: for an 8 kHz voice
/// that cost two thirds of a card's CPU and bought nothing a listener hears. Here LAME runs at quality 7 ("fast")
/// with a constant bitrate sized to the sample rate, and the LAME tag at the start of the file tells players the
/// exact length (encoder delay and padding included), as libsndfile's does.
final class MP3Encoder: AudioSink {
    let path: String
    let channels: Int
    private let lame: OpaquePointer
    private let descriptor: Int32
    private var output: [UInt8] = []
    private var left: [Float] = []
    private var right: [Float] = []
    private var finished = false

    /// The constant bitrate for a voice recording: 24 kbit/s for telephone audio (8 kHz), more for wideband. Not
    /// lower: below 24 kbit/s an 8 kHz frame has no room for the LAME tag, and players then count LAME's padding
    /// (about 0.16 s) into the length.
    static func kilobitsPerSecond(sampleRate: Int, channels: Int) -> Int32 {
        let mono: Int32 = sampleRate <= 8_000 ? 24 : sampleRate <= 16_000 ? 32 : 64
        return mono * Int32(channels)
    }

    init(writing url: URL, sampleRate: Int, channels: Int) throws(AudioError) {
        let path = url.path
        guard (1...2).contains(channels) else { throw .unwritable(path: path, reason: "MP3 holds 1 or 2 channels, not \(channels)") }
        guard let lame = lame_init() else { throw .unwritable(path: path, reason: "LAME could not start (out of memory)") }
        lame_set_in_samplerate(lame, Int32(clamping: sampleRate))
        lame_set_out_samplerate(lame, Int32(clamping: sampleRate))  // the attachment keeps the recording's rate
        lame_set_num_channels(lame, Int32(channels))
        lame_set_mode(lame, channels == 1 ? MONO : JOINT_STEREO)
        lame_set_brate(lame, Self.kilobitsPerSecond(sampleRate: sampleRate, channels: channels))
        lame_set_quality(lame, 7)
        lame_set_write_id3tag_automatic(lame, 0)
        guard lame_init_params(lame) >= 0 else {
            lame_close(lame)
            throw .unwritable(path: path, reason: "LAME cannot encode \(sampleRate) Hz × \(channels) as MP3")
        }
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            lame_close(lame)
            throw .unwritable(path: path, reason: reason)
        }
        self.path = path
        self.channels = channels
        self.lame = lame
        self.descriptor = descriptor
    }

    deinit {
        lame_close(lame)
        close(descriptor)
    }

    /// Encodes `frames` interleaved float frames (−1…1).
    func write(_ buffer: UnsafeBufferPointer<Float>, frames: Int) throws(AudioError) {
        guard frames > 0, let base = buffer.baseAddress else { return }
        let capacity = frames * 5 / 4 + 7_200  // LAME's worst case for one call
        if output.count < capacity { output = [UInt8](repeating: 0, count: capacity) }
        let encoded: Int32
        if channels == 1 {
            encoded = output.withUnsafeMutableBufferPointer { out in
                lame_encode_buffer_ieee_float(lame, base, base, Int32(frames), out.baseAddress, Int32(out.count))
            }
        } else {
            // LAME's float input is one array per channel.
            if left.count < frames {
                left = [Float](repeating: 0, count: frames)
                right = left
            }
            for frame in 0..<frames {
                left[frame] = base[2 * frame]
                right[frame] = base[2 * frame + 1]
            }
            encoded = output.withUnsafeMutableBufferPointer { out in
                lame_encode_buffer_ieee_float(lame, left, right, Int32(frames), out.baseAddress, Int32(out.count))
            }
        }
        guard encoded >= 0 else { throw .io(path: path, reason: "LAME failed to encode (error \(encoded))") }
        try append(count: Int(encoded))
    }

    /// Flushes the last frames and writes the LAME tag over the first frame, which LAME reserved for it.
    func finish() throws(AudioError) {
        guard !finished else { return }
        finished = true
        if output.count < 7_200 { output = [UInt8](repeating: 0, count: 7_200) }
        let flushed = output.withUnsafeMutableBufferPointer { out in lame_encode_flush(lame, out.baseAddress, Int32(out.count)) }
        guard flushed >= 0 else { throw .io(path: path, reason: "LAME failed to flush (error \(flushed))") }
        try append(count: Int(flushed))
        let tag = output.withUnsafeMutableBufferPointer { out in lame_get_lametag_frame(lame, out.baseAddress, out.count) }
        guard tag > 0, tag <= output.count else { return }
        let written = output.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, tag, 0) }
        guard written == tag else { throw .io(path: path, reason: String(cString: strerror(errno))) }
    }

    private func append(count: Int) throws(AudioError) {
        var offset = 0
        while offset < count {
            let written = output.withUnsafeBytes { bytes in
                guard let base = bytes.baseAddress else { return 0 }
                return Glibc.write(descriptor, base + offset, count - offset)
            }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { throw .io(path: path, reason: String(cString: strerror(errno))) }
            offset += written
        }
    }
}

/// Where the transcoder writes: a libsndfile file, or the MP3 encoder.
protocol AudioSink: AnyObject {
    func write(_ buffer: UnsafeBufferPointer<Float>, frames: Int) throws(AudioError)
    /// Completes the file; what is written before is not a whole file yet.
    func finish() throws(AudioError)
}

extension AudioFile: AudioSink {
    /// libsndfile completes the header when the handle closes.
    func finish() throws(AudioError) {}
}
