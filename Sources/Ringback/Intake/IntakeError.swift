/// A voicemail that cannot be taken in: the file and the reason, for the log line and the quarantine note.
public enum IntakeError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformedSidecar(path: String, reason: String)
    case unreadable(path: String, reason: String)

    public var code: String {
        switch self {
        case .malformedSidecar: "intake.sidecar"
        case .unreadable: "intake.unreadable"
        }
    }

    public var path: String {
        switch self {
        case .malformedSidecar(let path, _), .unreadable(let path, _): path
        }
    }

    public var reason: String {
        switch self {
        case .malformedSidecar(_, let reason): "malformed sidecar: \(reason)"
        case .unreadable(_, let reason): reason
        }
    }

    public var description: String { "\(path): \(reason)" }
}
