public import Foundation

/// Writes each card into a Maildir: `tmp/` first, then an atomic rename into `new/`.
///
/// The file name is derived from the card, so a card resent after a crash replaces the first copy instead of
/// doubling it, and a card the owner's mail program already moved to `cur/` is not delivered again.
public struct MaildirTransport: MailTransport {
    public let root: URL

    public init(root: URL) {
        self.root = root
    }

    public var name: String { "maildir:\(root.path)" }

    /// One copy for the owner; every recipient counts as accepted.
    @discardableResult
    public func deliver(_ message: OutgoingMessage) async throws(MailError) -> DeliveryReport {
        let manager = FileManager.default
        let tmp = root.appendingPathComponent("tmp")
        let new = root.appendingPathComponent("new")
        let cur = root.appendingPathComponent("cur")
        do {
            for folder in [tmp, new, cur] { try manager.createDirectory(at: folder, withIntermediateDirectories: true) }
        } catch {
            throw MailError(code: .maildir, message: "cannot create the Maildir \(root.path): \(error.localizedDescription)")
        }
        let base = "ringback.\(message.token)"
        if let read = try? manager.contentsOfDirectory(atPath: cur.path), read.contains(where: { $0.hasPrefix(base) }) {
            return DeliveryReport(accepted: message.recipients)  // already delivered and read
        }
        let staging = tmp.appendingPathComponent("\(base).\(ProcessInfo.processInfo.processIdentifier)")
        let final = new.appendingPathComponent("\(base).\(Self.hostname)")
        do {
            try? manager.removeItem(at: staging)
            try manager.copyItem(at: message.file, to: staging)
            guard rename(staging.path, final.path) == 0 else {
                throw MailError(code: .maildir, message: "cannot move the card into \(new.path): \(String(cString: strerror(errno)))")
            }
        } catch let error as MailError {
            try? manager.removeItem(at: staging)
            throw error
        } catch {
            try? manager.removeItem(at: staging)
            throw MailError(code: .maildir, message: "cannot write the card into \(tmp.path): \(error.localizedDescription)")
        }
        return DeliveryReport(accepted: message.recipients)
    }

    /// Maildir names end in the host name, with `/` and `:` (reserved in Maildir names) replaced.
    static let hostname: String = {
        ProcessInfo.processInfo.hostName.replacingOccurrences(of: "/", with: "\\057").replacingOccurrences(of: ":", with: "\\072")
    }()
}
