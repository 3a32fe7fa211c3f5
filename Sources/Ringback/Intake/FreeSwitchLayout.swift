public import Foundation
import GRDB
public import RingbackAudio
import RingbackCore

/// FreeSWITCH mod_voicemail: `<storage>/voicemail/<profile>/<domain>/<id>/msg_<uuid>.<ext>`, no sidecar; the
/// caller and time live in the `voicemail_msgs` table of its SQLite database, which Ringback opens read-only.
public struct FreeSwitchLayout: VoicemailLayout {
    let intake: IntakeConfig
    let owner: OwnerConfig

    /// One row of `voicemail_msgs`.
    struct Message: Decodable, FetchableRecord {
        var created_epoch: Int64
        var username: String?
        var domain: String?
        var uuid: String
        var cid_name: String?
        var cid_number: String?
        var in_folder: String?
        var file_path: String?
        var message_len: Int64?
        var flags: String?
    }

    public func sources(from files: [URL]) -> [VoicemailSource] {
        AudioGrouping.group(files).map { VoicemailSource(audio: $0[0], alternates: Array($0.dropFirst()), intake: intake) }
    }

    public func readiness(of source: VoicemailSource, now: Date) -> Readiness {
        if (try? message(for: source.audio)) != nil { return .ready }
        guard let stamp = FileStamp(source.audio) else { return .waiting("the file is gone") }
        if now.timeIntervalSince1970 - stamp.modifiedAt >= intake.orphanAfter.seconds { return .ready }
        return .waiting("no voicemail_msgs row yet for \(Self.uuid(of: source.audio) ?? source.audio.lastPathComponent)")
    }

    public func metadata(for source: VoicemailSource, audio: AudioProbe) throws(IntakeError) -> VoicemailMetadata {
        guard let row = try message(for: source.audio) else {
            return VoicemailMetadata()  // an orphan after `orphan_after`: unknown caller, content identity
        }
        let urgent = row.flags?.lowercased().contains("urgent") ?? false
        var fields: [String: String] = ["uuid": row.uuid, "created_epoch": "\(row.created_epoch)"]
        fields["cid_name"] = row.cid_name
        fields["cid_number"] = row.cid_number
        fields["in_folder"] = row.in_folder
        fields["message_len"] = row.message_len.map(String.init)
        fields["flags"] = row.flags
        return VoicemailMetadata(
            caller: CallerID(name: row.cid_name, number: row.cid_number, owner: owner),
            receivedAt: Date(timeIntervalSince1970: TimeInterval(row.created_epoch)), receivedSource: "database",
            identity: VoicemailIdentity(source: .freeswitchUUID, value: row.uuid), mailbox: row.username, context: row.domain,
            folder: row.in_folder, isUrgent: urgent, sidecarPath: intake.db, fields: fields)
    }

    /// The row for a recording, by uuid from the name (`msg_<uuid>.wav`), else by its path.
    func message(for audio: URL) throws(IntakeError) -> Message? {
        guard let db = intake.db else { return nil }
        do {
            var configuration = Configuration()
            configuration.readonly = true
            let queue = try DatabaseQueue(path: db, configuration: configuration)
            return try queue.read { database in
                try Message.fetchOne(
                    database,
                    sql: """
                        SELECT created_epoch, username, domain, uuid, cid_name, cid_number, in_folder, file_path, message_len, flags
                        FROM voicemail_msgs WHERE uuid = ? OR file_path = ? LIMIT 1
                        """,
                    arguments: [Self.uuid(of: audio) ?? "", audio.path])
            }
        } catch {
            throw .unreadable(path: db, reason: "cannot read FreeSWITCH's voicemail database: \(error)")
        }
    }

    static func uuid(of file: URL) -> String? {
        let stem = file.deletingPathExtension().lastPathComponent
        guard stem.hasPrefix("msg_"), stem.count > 4 else { return nil }
        return String(stem.dropFirst(4))
    }
}
