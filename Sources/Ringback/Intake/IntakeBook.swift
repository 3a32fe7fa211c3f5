import Foundation
import Logging
import RingbackCore

/// Intake's bookkeeping around each file it hands on: bad input quarantined with its reason, every file's size and
/// time remembered (so the watcher does not read it again until it changes or its retry is due), and the PBX's files
/// archived or deleted once their voicemail is final (`after:`).
struct IntakeBook: Sendable {
    let config: PipelineConfig
    let ledger: any Ledger
    let quarantine: Quarantine
    let logger: Logger
    let now: @Sendable () -> Date

    /// Bad input: a copy and the reason go to quarantine (the original is never deleted), the ledger records it.
    /// Returns the reason as the file's outcome line gives it (with where the copy went).
    func reject(_ url: URL, code: String, reason: String, dryRun: Bool) async -> String {
        guard !dryRun else { return "\(reason) (would be quarantined)" }
        logger.warning("rejected", metadata: ["file": "\(url.path)", "reason": "\(reason)"])
        guard (try? FileManager.default.attributesOfItem(atPath: url.path)) != nil else { return reason }  // nothing to keep
        var destination: URL?
        do {
            destination = try quarantine.admit(
                url, sidecar: url.deletingPathExtension().appendingPathExtension("txt"), code: code, reason: reason, at: now())
        } catch {
            logger.error("cannot quarantine", metadata: ["file": "\(url.path)", "error": "\(error.localizedDescription)"])
        }
        let rejection = RejectionRecord(id: nil, path: url.path, code: code, reason: reason, quarantinedTo: destination?.path, rejectedAt: now())
        try? await ledger.recordRejection(rejection)
        await remember(url, key: nil, .rejected)
        return destination.map { "\(reason) (quarantined to \($0.path))" } ?? reason
    }

    /// Damaged but readable: the card goes out with what could be read, and a copy is kept with the reason.
    func keepDamaged(_ source: VoicemailSource, damage: String) {
        let reason = "damaged but readable: \(damage); the card went out with what could be read"
        _ = try? quarantine.admit(source.audio, sidecar: nil, code: "audio.damaged", reason: reason, at: now())
        logger.warning("damaged recording", metadata: ["file": "\(source.audio.path)", "damage": "\(damage)"])
    }

    /// After a run: every file of the voicemail remembered with how it ended (`outcome`), and settled once nothing
    /// more will happen to it (`isFinal`).
    func finish(_ source: VoicemailSource, key: String?, _ outcome: IntakeFileRecord.Outcome, isFinal: Bool) async {
        for file in [source.audio] + source.alternates { await remember(file, key: key, outcome) }
        if isFinal { settle(source) }
    }

    /// The size a plain file had when its card went out, if it has only grown since (those bytes unchanged): a writer
    /// that paused longer than `settle`. It is the same voicemail, not a new one.
    func sizeWhenCarded(_ source: VoicemailSource, identity: VoicemailIdentity) async -> Int64? {
        guard source.intake.layout == .plain, identity.source == .contentHash, let stamp = FileStamp(source.audio),
            let known = try? await ledger.intakeFile(path: config.ledgerPath(of: source.audio)), known.outcome == .notified || known.outcome == .duplicate,
            known.size > 0, known.size < stamp.size, let key = known.voicemailKey,
            let before = try? VoicemailIdentity.contentHash(of: source.audio, upTo: known.size), before.key == key
        else { return nil }
        return known.size
    }

    /// Notes the file's size and mtime so the watcher does not read it again until it changes or its retry is due.
    private func remember(_ url: URL, key: String?, _ outcome: IntakeFileRecord.Outcome) async {
        guard let stamp = FileStamp(url) else { return }
        try? await ledger.remember(
            IntakeFileRecord(
                path: config.ledgerPath(of: url), size: stamp.size, modifiedAt: stamp.modifiedAt, voicemailKey: key, outcome: outcome, seenAt: now()))
    }

    /// `after: archive|delete`: the PBX's files go once the card is out. `keep` (the default) never touches them.
    private func settle(_ source: VoicemailSource) {
        let intake = source.intake
        guard intake.after != .keep else { return }
        let manager = FileManager.default
        let root = URL(fileURLWithPath: intake.path).standardizedFileURL.path
        let archive = URL(
            fileURLWithPath: intake.archiveTo ?? URL(fileURLWithPath: config.localFolder).appendingPathComponent("archive").path)
        for file in source.files {
            do {
                if intake.after == .delete {
                    try manager.removeItem(at: file)
                } else {
                    let path = file.standardizedFileURL.path
                    let relative = path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : file.lastPathComponent
                    let destination = archive.appendingPathComponent(relative)
                    try manager.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try? manager.removeItem(at: destination)
                    try manager.moveItem(at: file, to: destination)
                }
            } catch {
                logger.warning(
                    "cannot \(intake.after.rawValue) a processed file", metadata: ["file": "\(file.path)", "error": "\(error.localizedDescription)"])
            }
        }
    }
}
