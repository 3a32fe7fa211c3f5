public import Foundation
public import RingbackCore

/// Asterisk's `msgNNNN.txt`: an INI file whose `[message]` section describes one voicemail.
public struct AsteriskSidecar: Sendable, Codable, Equatable {
    /// Every key of the `[message]` section, as written.
    public var fields: [String: String]

    public var callerID: CallerID { CallerID(parsing: fields["callerid"] ?? "") }
    /// `msg_id` (Asterisk 12+): the only identity that survives renumbering and moves between folders.
    public var messageID: String? { nonEmpty("msg_id") }
    public var originTime: Date? { nonEmpty("origtime").flatMap(TimeInterval.init).map(Date.init(timeIntervalSince1970:)) }
    public var durationSeconds: Int? { nonEmpty("duration").flatMap(Int.init) }
    public var mailbox: String? { nonEmpty("origmailbox") }
    public var context: String? { nonEmpty("context") }
    public var isUrgent: Bool { fields["flag"]?.caseInsensitiveCompare("Urgent") == .orderedSame }

    /// The largest sidecar we read; Asterisk writes a few hundred bytes.
    public static let maximumSize = 64 * 1024

    public init(fields: [String: String]) {
        self.fields = fields
    }

    /// Parses a sidecar; throws `IntakeError.malformedSidecar` with the reason.
    public init(contentsOf url: URL) throws(IntakeError) {
        let data: Data
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
            if let size = attributes[.size] as? NSNumber, size.intValue > Self.maximumSize {
                throw IntakeError.malformedSidecar(path: url.path, reason: "\(size.intValue) bytes is far larger than any Asterisk sidecar")
            }
            data = try Data(contentsOf: url)
        } catch let error as IntakeError {
            throw error
        } catch {
            throw .malformedSidecar(path: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        try self.init(data: data, path: url.path)
    }

    init(data: Data, path: String) throws(IntakeError) {
        guard !data.contains(0) else { throw .malformedSidecar(path: path, reason: "contains a NUL byte") }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .malformedSidecar(path: path, reason: "not valid UTF-8")
        }
        var section: String?
        var fields: [String: String] = [:]
        for rawLine in text.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix(";") || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast()).lowercased()
                continue
            }
            guard section == "message", let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            fields[key] = value
        }
        guard !fields.isEmpty else {
            throw .malformedSidecar(path: path, reason: "no [message] section with key=value lines")
        }
        self.init(fields: fields)
    }

    private func nonEmpty(_ key: String) -> String? {
        guard let value = fields[key], !value.isEmpty else { return nil }
        return value
    }
}
