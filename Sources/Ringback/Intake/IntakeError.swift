/// A voicemail that cannot be taken in: the file and the reason, for the log line and the quarantine note.
public enum IntakeError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformedSidecar(path: String, reason: String)
    case unreadable(path: String, reason: String)
    /// A FIFO, socket, device, directory or a symbolic link Ringback does not follow: never opened.
    case notAFile(path: String, reason: String)
    /// A date the PBX wrote that cannot be a voicemail's (year 10000, before 1990).
    case implausibleDate(path: String, reason: String)

    public var code: String {
        switch self {
        case .malformedSidecar: "intake.sidecar"
        case .unreadable: "intake.unreadable"
        case .notAFile: "intake.not_a_file"
        case .implausibleDate: "intake.date"
        }
    }

    public var path: String {
        switch self {
        case .malformedSidecar(let path, _), .unreadable(let path, _), .notAFile(let path, _), .implausibleDate(let path, _): path
        }
    }

    public var reason: String {
        switch self {
        case .malformedSidecar(_, let reason): "malformed sidecar: \(reason)"
        case .unreadable(_, let reason), .notAFile(_, let reason), .implausibleDate(_, let reason): reason
        }
    }

    public var description: String { "\(path): \(reason)" }
}
