public import Foundation
public import RingbackAudio
import RingbackCore

/// Asterisk's spool: `<context>/<mailbox>/<folder>/msgNNNN.<ext>` with `msgNNNN.txt` renamed in last.
///
/// Identity is the sidecar's `msg_id`, never `msgNNNN` (Asterisk renumbers), so a message the owner moved from
/// `INBOX` to `Old` is the same voicemail.
public struct AsteriskLayout: VoicemailLayout {
    let intake: IntakeConfig
    let owner: OwnerConfig

    public func sources(from files: [URL]) -> [VoicemailSource] {
        AudioGrouping.group(files).map { VoicemailSource(audio: $0[0], alternates: Array($0.dropFirst()), intake: intake) }
    }

    public func readiness(of source: VoicemailSource, now: Date) -> Readiness {
        if FileManager.default.fileExists(atPath: sidecar(of: source).path) { return .ready }
        guard let stamp = FileStamp(source.audio) else { return .waiting("the file is gone") }
        if now.timeIntervalSince1970 - stamp.modifiedAt >= intake.orphanAfter.seconds { return .ready }
        return .waiting("no \(sidecar(of: source).lastPathComponent) yet (Asterisk writes it last)")
    }

    public func metadata(for source: VoicemailSource, audio: AudioProbe) throws(IntakeError) -> VoicemailMetadata {
        let place = location(of: source.audio)
        var metadata = VoicemailMetadata(mailbox: place.mailbox, context: place.context, folder: place.folder, isUrgent: place.folder == "Urgent")
        let sidecarURL = sidecar(of: source)
        guard FileManager.default.fileExists(atPath: sidecarURL.path) else { return metadata }  // an orphan: unknown caller
        let sidecar = try AsteriskSidecar(contentsOf: sidecarURL)
        metadata.caller = CallerID(parsing: sidecar.fields["callerid"] ?? "", owner: owner)
        if let origin = sidecar.originTime {
            metadata.receivedAt = origin
            metadata.receivedSource = "sidecar"
        }
        metadata.identity = sidecar.messageID.map { VoicemailIdentity(source: .asteriskMessageID, value: $0) }
        metadata.mailbox = metadata.mailbox ?? sidecar.mailbox
        if metadata.context == nil, let context = sidecar.context, context != "macro-vm" { metadata.context = context }
        metadata.isUrgent = metadata.isUrgent || sidecar.isUrgent
        metadata.sidecarPath = sidecarURL.path
        metadata.fields = sidecar.fields
        return metadata
    }

    private func sidecar(of source: VoicemailSource) -> URL {
        source.audio.deletingPathExtension().appendingPathExtension("txt")
    }

    /// Context, mailbox and folder from the path: the three folders above the file.
    func location(of file: URL) -> (context: String?, mailbox: String?, folder: String?) {
        let root = URL(fileURLWithPath: intake.path).standardizedFileURL.pathComponents
        let parts = file.standardizedFileURL.deletingLastPathComponent().pathComponents
        guard parts.starts(with: root) else { return (nil, nil, nil) }
        let below = Array(parts.dropFirst(root.count))
        guard below.count >= 3 else { return (nil, below.count == 2 ? below[0] : nil, below.last) }
        let tail = below.suffix(3)
        return (tail[tail.startIndex], tail[tail.startIndex + 1], tail[tail.startIndex + 2])
    }
}
