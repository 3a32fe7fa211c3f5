import CRingbackSndFile
public import Foundation

/// An open sound file. Owns the libsndfile handle and closes it in `deinit`.
///
/// Not `Sendable`: a handle is used by one task at a time. Reads and writes stream in blocks,
/// so memory stays flat however long the recording.
public final class AudioFile {
    public enum Mode: Sendable { case read, write }

    private let handle: OpaquePointer
    public let path: String
    public let mode: Mode
    public let format: AudioFormat
    public let sampleRate: Int
    public let channels: Int
    /// Frames the header claims. Corrupt headers lie: `AudioProbe` counts what it actually reads.
    public let declaredFrames: Int64
    /// The next frame a read returns.
    private var position: Int64 = 0

    /// Opens a file for reading; libsndfile detects the format from the header (raw `.gsm` from the extension).
    public init(reading url: URL) throws(AudioError) {
        let path = url.path
        var info = SF_INFO()
        if url.pathExtension.lowercased() == "gsm" {
            // Raw GSM has no header: libsndfile needs the format up front, and would decode any bytes as GSM.
            if let problem = Self.rawGSMProblem(url) { throw .unreadable(path: path, reason: problem) }
            info.format = Int32(SF_FORMAT_RAW) | Int32(SF_FORMAT_GSM610)
            info.samplerate = 8000
            info.channels = 1
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw .unreadable(path: path, reason: "is a directory")
        }
        guard let handle = sf_open(path, Int32(SFM_READ), &info) else {
            throw .unreadable(path: path, reason: Self.lastError(nil))
        }
        guard info.channels > 0, info.samplerate > 0, info.samplerate <= 768_000 else {
            sf_close(handle)
            throw .empty(path: path, reason: "header declares \(info.channels) channels at \(info.samplerate) Hz")
        }
        self.handle = handle
        self.path = path
        self.mode = .read
        self.format = AudioFormat(sndfileFormat: info.format)
        self.sampleRate = Int(info.samplerate)
        self.channels = Int(info.channels)
        self.declaredFrames = info.frames
    }

    /// Creates (or truncates) a file for writing in `format`.
    public init(writing url: URL, format: AudioFormat, sampleRate: Int, channels: Int = 1) throws(AudioError) {
        let path = url.path
        guard let word = format.sndfileFormat else {
            throw .unwritable(path: path, reason: "\(format) is not a format libsndfile writes")
        }
        var info = SF_INFO()
        info.format = word
        info.samplerate = Int32(clamping: sampleRate)
        info.channels = Int32(clamping: channels)
        guard sf_format_check(&info) != 0 else {
            throw .unwritable(path: path, reason: "\(format) at \(sampleRate) Hz × \(channels) is not a valid combination")
        }
        guard let handle = sf_open(path, Int32(SFM_WRITE), &info) else {
            throw .unwritable(path: path, reason: Self.lastError(nil))
        }
        self.handle = handle
        self.path = path
        self.mode = .write
        self.format = format
        self.sampleRate = sampleRate
        self.channels = channels
        self.declaredFrames = 0
    }

    deinit {
        sf_close(handle)
    }

    /// Reads up to `buffer.count / channels` interleaved frames as floats in -1…1; returns frames read (0 at the end).
    public func read(into buffer: UnsafeMutableBufferPointer<Float>) throws(AudioError) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        let frames = sf_count_t(buffer.count / channels)
        let read = sf_readf_float(handle, base, frames)
        if read < 0 || (read == 0 && sf_error(handle) != Int32(SF_ERR_NO_ERROR)) {
            throw .io(path: path, reason: Self.lastError(handle))
        }
        position += Int64(read)
        return Int(read)
    }

    /// Moves the read position to `frame` (0 is the first); the next read starts there.
    ///
    /// Raw GSM 6.10 is 33-byte frames, each starting with the signature nibble 0xD: a file shorter than one frame, or
    /// whose first frames lack the signature, is not GSM (ten random bytes named `.gsm` are not a missed call).
    static func rawGSMProblem(_ url: URL) -> String? {
        guard let handle = try? FileHandle(forReadingFrom: url) else { return nil }  // sf_open reports it
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 33 * 8)) ?? Data()
        guard head.count >= 33 else { return "not raw GSM 6.10: \(head.count) bytes, shorter than one 33-byte frame" }
        for frame in stride(from: 0, to: head.count - 32, by: 33) where head[head.startIndex + frame] & 0xF0 != 0xD0 {
            return "not raw GSM 6.10: frame \(frame / 33 + 1) lacks the GSM signature"
        }
        return nil
    }

    /// Some codecs cannot seek (libsndfile's WAV49/GSM): a forward move then reads and discards the frames between,
    /// in blocks, so memory stays flat.
    public func seek(toFrame frame: Int64) throws(AudioError) {
        guard frame != position else { return }
        if sf_seek(handle, sf_count_t(frame), SEEK_SET) == sf_count_t(frame) {
            position = frame
            return
        }
        guard frame > position else {
            throw .io(path: path, reason: "cannot seek back to frame \(frame): \(Self.lastError(handle))")
        }
        let scratch = UnsafeMutableBufferPointer<Float>.allocate(capacity: 4096 * channels)
        defer { scratch.deallocate() }
        while position < frame {
            let want = Int(min(Int64(4096), frame - position)) * channels
            guard try read(into: UnsafeMutableBufferPointer(rebasing: scratch[0..<want])) > 0 else {
                throw .io(path: path, reason: "cannot seek to frame \(frame): the audio ends at frame \(position)")
            }
        }
    }

    /// Where libsndfile's header log says a size in the header is wrong (`RIFF : 2147483632 (should be 16036)`).
    public var headerInconsistencies: [String] {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = buffer.withUnsafeMutableBytes { bytes in
            sf_command(handle, Int32(SFC_GET_LOG_INFO), bytes.baseAddress, Int32(bytes.count))
        }
        guard length > 0 else { return [] }
        let log = String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return log.split(separator: "\n").filter { $0.contains("should be") }.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// Reads interleaved 16-bit frames; returns frames read.
    public func read(into buffer: UnsafeMutableBufferPointer<Int16>) throws(AudioError) -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        let read = sf_readf_short(handle, base, sf_count_t(buffer.count / channels))
        if read < 0 { throw .io(path: path, reason: Self.lastError(handle)) }
        position += Int64(read)
        return Int(read)
    }

    /// Writes `frames` interleaved float frames.
    public func write(_ buffer: UnsafeBufferPointer<Float>, frames: Int) throws(AudioError) {
        guard let base = buffer.baseAddress, frames > 0 else { return }
        let written = sf_writef_float(handle, base, sf_count_t(frames))
        guard written == sf_count_t(frames) else { throw .io(path: path, reason: Self.lastError(handle)) }
    }

    /// Writes `frames` interleaved 16-bit frames.
    public func write(_ buffer: UnsafeBufferPointer<Int16>, frames: Int) throws(AudioError) {
        guard let base = buffer.baseAddress, frames > 0 else { return }
        let written = sf_writef_short(handle, base, sf_count_t(frames))
        guard written == sf_count_t(frames) else { throw .io(path: path, reason: Self.lastError(handle)) }
    }

    /// A metadata string (WAV `LIST/INFO`, FLAC/Ogg comments), or nil when absent.
    public func string(_ key: InfoKey) -> String? {
        guard let value = sf_get_string(handle, key.sndfileValue) else { return nil }
        // Invalid UTF-8 in a tag is repaired, never trusted.
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    /// Every metadata string present.
    public var infoStrings: [InfoKey: String] {
        var strings: [InfoKey: String] = [:]
        for key in InfoKey.allCases {
            if let value = string(key) { strings[key] = value }
        }
        return strings
    }

    /// Sets a metadata string; must be called before the first write.
    public func setString(_ key: InfoKey, _ value: String) throws(AudioError) {
        guard sf_set_string(handle, key.sndfileValue, value) == 0 else {
            throw .unwritable(path: path, reason: Self.lastError(handle))
        }
    }

    private static func lastError(_ handle: OpaquePointer?) -> String {
        guard let message = sf_strerror(handle) else { return "unknown libsndfile error" }
        return String(cString: message)
    }
}

extension AudioFile {
    /// Metadata keys libsndfile exposes through `sf_get_string`.
    public enum InfoKey: String, Sendable, CaseIterable, Codable, Comparable {
        case title, copyright, software, artist, comment, date, album, license
        case trackNumber = "track_number"
        case genre

        var sndfileValue: Int32 {
            switch self {
            case .title: Int32(SF_STR_TITLE)
            case .copyright: Int32(SF_STR_COPYRIGHT)
            case .software: Int32(SF_STR_SOFTWARE)
            case .artist: Int32(SF_STR_ARTIST)
            case .comment: Int32(SF_STR_COMMENT)
            case .date: Int32(SF_STR_DATE)
            case .album: Int32(SF_STR_ALBUM)
            case .license: Int32(SF_STR_LICENSE)
            case .trackNumber: Int32(SF_STR_TRACKNUMBER)
            case .genre: Int32(SF_STR_GENRE)
            }
        }

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    }
}
