import Foundation
import Logging
import RingbackCore
import RingbackInotify

/// What the watcher knows between wake-ups: files waiting to settle or for their PBX to finish, and what is ready.
///
/// Confined to the watcher's task; the watcher loop is its only caller.
final class WatchState {
    private let pipeline: VoicemailPipeline
    private let logger: Logger
    private var config: PipelineConfig { pipeline.config }
    /// Audio files to look at again at a time: not settled yet, or waiting for a sidecar or database row.
    private var pending: [String: Date] = [:]
    /// Folders watched by polling, with the next time each is due.
    private var polled: [Int: Date] = [:]
    private var watchedByInotify: [Int] = []
    private var ready: [String: VoicemailSource] = [:]
    /// Files the ledger could not record, with how many times in a row.
    private var heldBack: [String: Int] = [:]
    /// Sidecars with no recording beside them, with when to look again (`orphan_after` after they were written).
    private var lonelySidecars: [String: Date] = [:]
    /// Sidecars already reported as having no recording: said once, not on every look.
    private var reportedSidecars: Set<String> = []
    /// Too few file descriptors were free at the last look (said once per episode).
    private var shortOfDescriptors = false
    /// A rescan that could not run for want of descriptors, and when to try it again.
    private var sweepAgainAt: Date?

    init(pipeline: VoicemailPipeline, logger: Logger) {
        self.pipeline = pipeline
        self.logger = logger
    }

    /// Sets up inotify for every folder without `poll`; anything inotify cannot watch is polled every 5 s.
    func startWatching() -> DirectoryEvents? {
        var events: DirectoryEvents?
        for (index, intake) in config.intake.enumerated() {
            if let poll = intake.poll {
                polled[index] = pipeline.now().addingTimeInterval(poll.seconds)
                logger.info("watching by polling", metadata: ["folder": "\(intake.path)", "every": "\(poll)"])
                continue
            }
            do throws(DirectoryEvents.Failure) {
                let watcher: DirectoryEvents
                if let existing = events {
                    watcher = existing
                } else {
                    watcher = try DirectoryEvents()
                    events = watcher
                }
                let folders = try watcher.watch(recursively: intake.path)
                watchedByInotify.append(index)
                logger.info("watching with inotify", metadata: ["folder": "\(intake.path)", "subfolders": "\(folders.count - 1)"])
            } catch {
                polled[index] = pipeline.now()
                logger.warning("inotify unavailable, polling every 5s instead", metadata: ["folder": "\(intake.path)", "reason": "\(error)"])
            }
        }
        return events
    }

    var nextDeadline: Date? {
        (Array(pending.values) + Array(polled.values) + Array(lonelySidecars.values) + [sweepAgainAt].compactMap { $0 }).min()
    }

    /// Whether enough file descriptors are free to start `count` voicemails. Out of them (a flood of connections, a
    /// leak elsewhere), listing a folder or opening a recording would fail halfway and a file could be passed over,
    /// so intake does nothing until they are free again; the first time, and the end of it, are logged.
    func descriptorsAllow(_ count: Int) -> Bool {
        guard let budget = DescriptorBudget.now(), !budget.allows(count) else {
            if shortOfDescriptors {
                shortOfDescriptors = false
                logger.notice("file descriptors are free again: intake goes on")
            }
            return true
        }
        if !shortOfDescriptors {
            shortOfDescriptors = true
            logger.warning(
                "too few file descriptors are free to start a voicemail; intake waits and tries again",
                metadata: ["open": "\(budget.open)", "limit": "\(budget.limit)"])
        }
        return false
    }

    func takeReady() -> [VoicemailSource] {
        defer { ready.removeAll() }
        return ready.values.sorted { $0.audio.path < $1.audio.path }
    }

    // MARK: Events

    func handle(_ event: DirectoryEvents.Event) async {
        switch event {
        case .overflow:
            logger.warning("inotify queue overflowed; rescanning every folder")
            guard descriptorsAllow(1) else {
                sweepAgainAt = pipeline.now().addingTimeInterval(2)
                return
            }
            for index in watchedByInotify { await sweep(config.intake[index], under: URL(fileURLWithPath: config.intake[index].path)) }
        case .directory(let path):
            guard descriptorsAllow(1) else {
                sweepAgainAt = pipeline.now().addingTimeInterval(2)
                return
            }
            // Files may have landed before the watch was in place.
            let url = URL(fileURLWithPath: path)
            await sweep(config.intake(containing: url.appendingPathComponent("-")), under: url)
        case .file(let path):
            let url = URL(fileURLWithPath: path)
            if path.contains("\u{FFFD}"), (try? FileManager.default.attributesOfItem(atPath: path)) == nil {
                repairNames(under: url.deletingLastPathComponent())  // renamed: the new name comes as its own event
                return
            }
            let intake = config.intake(containing: url)
            let ext = url.pathExtension.lowercased()
            if ext == "txt" || ext == "json" {
                // A sidecar: Asterisk renames msgNNNN.txt in last, so its message is complete now.
                if let source = intake.source(containing: url, owner: config.owner) {
                    pending[source.audio.path] = pipeline.now()
                } else {
                    lonelySidecars[path] = pipeline.now().addingTimeInterval(intake.orphanAfter.seconds)
                }
            } else if IntakeScanner(layout: intake.layout).isCandidate(url) {
                pending[path] = pipeline.now().addingTimeInterval(intake.layout == .plain ? intake.settle.seconds : 0)
            }
        }
    }

    /// Looks at every pending file whose time has come, and every polled folder that is due.
    func recheckDue() async {
        let now = pipeline.now()
        let due = pending.filter { $0.value <= now }.map(\.key)
        if !due.isEmpty || (sweepAgainAt.map { $0 <= now } ?? false), !descriptorsAllow(min(max(due.count, 1), 4)) {
            // Put off, not forgotten: every file is looked at again within seconds.
            for path in due { lookAgain(at: path, after: 1, atMost: 10) }
            if sweepAgainAt != nil { sweepAgainAt = now.addingTimeInterval(2) }
            return
        }
        if let again = sweepAgainAt, again <= now {
            sweepAgainAt = nil
            await sweepAll()
        }
        for (path, deadline) in pending where deadline <= now {
            pending[path] = nil
            let url = URL(fileURLWithPath: path)
            guard (try? FileManager.default.attributesOfItem(atPath: path)) != nil else { continue }  // lstat: a dangling link is still bad input to report
            guard let source = config.intake(containing: url).source(containing: url, owner: config.owner) else { continue }
            await consider(source, now: now)
        }
        for (path, deadline) in lonelySidecars where deadline <= now {
            lonelySidecars[path] = nil
            reportIfLonely(URL(fileURLWithPath: path))
        }
        for (index, due) in polled where due <= now {
            let intake = config.intake[index]
            await sweep(intake, under: URL(fileURLWithPath: intake.path))
            polled[index] = now.addingTimeInterval(intake.poll?.seconds ?? 5)
        }
    }

    /// A file to look at again later, whatever the ledger says now: after `first`, then twice as long each time.
    func lookAgain(at path: String, after first: TimeInterval, atMost longest: TimeInterval = 3600) {
        let attempt = (heldBack[path] ?? 0) + 1
        heldBack[path] = attempt
        pending[path] = pipeline.now().addingTimeInterval(min(RetrySchedule.delay(attempt: attempt, first: first), longest))
    }

    /// The file went through: its back-off starts afresh.
    func wentThrough(_ path: String) {
        heldBack[path] = nil
    }

    /// Voicemails the ledger holds as pending whose back-off has passed: their files are looked at again.
    func queuePendingRetries() async {
        guard let records = try? await pipeline.ledger.pending(dueBy: pipeline.now()) else { return }
        for record in records where FileManager.default.fileExists(atPath: record.sourcePath) {
            pending[record.sourcePath] = pipeline.now()
        }
    }

    // MARK: Scanning

    func sweepAll() async {
        for intake in config.intake { await sweep(intake, under: URL(fileURLWithPath: intake.path)) }
    }

    private func sweep(_ intake: IntakeConfig, under folder: URL) async {
        repairNames(under: folder)
        let files = IntakeScanner(layout: intake.layout).candidates(in: [folder])
        let now = pipeline.now()
        for source in intake.reader(owner: config.owner).sources(from: files) {
            await consider(source, now: now)
        }
        let stems = Set(files.map { $0.deletingPathExtension().path })
        for sidecar in IntakeScanner(layout: intake.layout).sidecars(in: folder)
        where !stems.contains(sidecar.deletingPathExtension().path) && !reportedSidecars.contains(sidecar.path) {
            let written = FileStamp(sidecar).map { Date(timeIntervalSince1970: $0.modifiedAt) } ?? now
            lonelySidecars[sidecar.path] = max(now, written.addingTimeInterval(intake.orphanAfter.seconds))
        }
    }

    /// A sidecar still without a recording once `orphan_after` has passed: nothing to card, which the admin should
    /// know (the PBX lost the audio, or it went to another folder). Said once per sidecar.
    private func reportIfLonely(_ sidecar: URL) {
        guard !reportedSidecars.contains(sidecar.path), (try? FileManager.default.attributesOfItem(atPath: sidecar.path)) != nil,
            config.intake(containing: sidecar).source(containing: sidecar, owner: config.owner) == nil
        else { return }
        reportedSidecars.insert(sidecar.path)
        logger.warning(
            "a sidecar has no recording beside it: there is nothing to card",
            metadata: ["file": "\(sidecar.path)", "waited": "\(config.intake(containing: sidecar).orphanAfter)"])
    }

    /// Names that are not UTF-8 renamed so the files can be read (ForeignNames), each rename logged.
    private func repairNames(under folder: URL) {
        let repair = ForeignNames.repair(under: folder)
        for renamed in repair.renamed {
            logger.notice("renamed a file whose name is not UTF-8", metadata: ["file": "\(renamed.shown)", "to": "\(renamed.to.path)"])
        }
        for failure in repair.failed {
            logger.error(
                "a file's name is not UTF-8 and it cannot be renamed; rename it by hand",
                metadata: ["file": "\(failure.shown)", "error": "\(failure.reason)"])
        }
    }

    /// Queues a voicemail that is ready and not yet settled in the ledger; schedules another look otherwise.
    private func consider(_ source: VoicemailSource, now: Date) async {
        guard await isUnsettled(source) else { return }
        let reader = source.intake.reader(owner: config.owner)
        switch reader.readiness(of: source, now: now) {
        case .ready:
            ready[source.audio.path] = source
        case .waiting:
            pending[source.audio.path] = retryTime(for: source, now: now)
        }
    }

    private func retryTime(for source: VoicemailSource, now: Date) -> Date {
        let intake = source.intake
        let modified = FileStamp(source.audio).map { Date(timeIntervalSince1970: $0.modifiedAt) } ?? now
        switch intake.layout {
        case .plain:
            // Not still yet: when it will have been; still but short of what its header promises: after `settle` more.
            let still = modified.addingTimeInterval(intake.settle.seconds)
            return (still > now ? still : now.addingTimeInterval(max(intake.settle.seconds, 0.5))).addingTimeInterval(0.05)
        case .asterisk: return max(now, modified.addingTimeInterval(intake.orphanAfter.seconds))  // the .txt event comes first
        case .freeswitch: return now.addingTimeInterval(max(intake.settle.seconds, 1))
        }
    }

    /// False when the ledger already settled this file at its current size and mtime (or its retry is not due).
    private func isUnsettled(_ source: VoicemailSource) async -> Bool {
        guard let stamp = FileStamp(source.audio) else { return false }
        guard let known = try? await pipeline.ledger.intakeFile(path: config.ledgerPath(of: source.audio)),
            known.size == stamp.size, known.modifiedAt == stamp.modifiedAt
        else { return true }
        guard known.outcome == .pending, let key = known.voicemailKey else { return false }
        guard let record = try? await pipeline.ledger.voicemail(key: key) else { return true }
        return record.needsWork(at: pipeline.now())
    }
}
