/// Why an audio file could not be used, with the file it concerns so the message a person sees names it.
public enum AudioError: Error, Sendable, Equatable, CustomStringConvertible {
    /// libsndfile refused to open the file (not audio, truncated header, unsupported encoding…).
    case unreadable(path: String, reason: String)
    /// The file opened but holds no usable audio (zero frames, zero channels, absurd sample rate).
    case empty(path: String, reason: String)
    /// A read or write failed part-way through.
    case io(path: String, reason: String)
    /// libsndfile could not create the output in the requested format.
    case unwritable(path: String, reason: String)

    /// Stable identifier for logs, JSON output and the ledger.
    public var code: String {
        switch self {
        case .unreadable: "audio.unreadable"
        case .empty: "audio.empty"
        case .io: "audio.io"
        case .unwritable: "audio.unwritable"
        }
    }

    public var path: String {
        switch self {
        case .unreadable(let path, _), .empty(let path, _), .io(let path, _), .unwritable(let path, _): path
        }
    }

    public var reason: String {
        switch self {
        case .unreadable(_, let reason), .empty(_, let reason), .io(_, let reason), .unwritable(_, let reason): reason
        }
    }

    public var description: String {
        switch self {
        case .unreadable: "\(path): not readable as audio: \(reason)"
        case .empty: "\(path): no usable audio: \(reason)"
        case .io: "\(path): read/write failed: \(reason)"
        case .unwritable: "\(path): cannot write audio: \(reason)"
        }
    }
}
