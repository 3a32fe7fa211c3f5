import Foundation
import Logging

/// This process's claims in the ledger, shared by every Ringback process on it (`watch`, `reprocess`, another
/// machine's `watch` on the same ledger): a voicemail is worked on by one process at a time, and a claim whose process
/// died runs out with its lease.
///
/// A lease is `lease` long and renewed every third of it while the work runs, so a decode of any length keeps its
/// claim; a holder on this machine whose process is gone is replaced at once rather than waited out.
struct LedgerClaims: Sendable {
    let ledger: any Ledger
    let owner: String
    let lease: Duration
    let logger: Logger
    let now: @Sendable () -> Date
    /// Keys this process is working on: the ledger's claim is per process, so two files of one voicemail in the same
    /// process (Asterisk's three formats) are kept apart here.
    private let local = LocalClaims()

    init(ledger: any Ledger, owner: String = ProcessIdentity.current, lease: Duration = .seconds(60), logger: Logger, now: @escaping @Sendable () -> Date) {
        self.ledger = ledger
        self.owner = owner
        self.lease = lease
        self.logger = logger
        self.now = now
    }

    enum Run<T: Sendable>: Sendable {
        case ran(T)
        /// Another file of the same voicemail is being worked on in this process.
        case heldHere
        /// Another live process holds it, until then at the latest.
        case heldElsewhere(by: String, until: Date)
    }

    /// Runs `work` while holding `key`; does not run it when another live process holds `key`.
    func holding<T: Sendable>(_ key: String, _ work: @Sendable () async throws(LedgerError) -> T) async throws(LedgerError) -> Run<T> {
        guard await local.claim(key) else { return .heldHere }
        let claim: Claim
        do throws(LedgerError) {
            claim = try await take(key)
        } catch {
            await local.release(key)
            throw error
        }
        switch claim {
        case .granted: break
        case .held(let holder, let until):
            await local.release(key)
            return .heldElsewhere(by: ProcessIdentity.describe(holder), until: until)
        }
        let renewal = Task { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: lease / 3)
                guard !Task.isCancelled else { return }
                if case .held(let holder, _) = try await ledger.claim(key, owner: owner, until: expiry(), at: now(), replacing: nil) {
                    logger.error("lost a claim to another process", metadata: ["key": "\(key)", "holder": "\(holder)"])
                    return
                }
            }
        }
        defer { renewal.cancel() }
        let result: T
        do throws(LedgerError) {
            result = try await work()
        } catch {
            try? await ledger.release(key, owner: owner)
            await local.release(key)
            throw error
        }
        do throws(LedgerError) {
            try await ledger.release(key, owner: owner)
        } catch {
            // The work is done and stored; the claim runs out with its lease.
            logger.warning("cannot release a claim", metadata: ["key": "\(key)", "error": "\(error)"])
        }
        await local.release(key)
        return .ran(result)
    }

    /// Takes `key`, or says who has it; a holder on this machine whose process has exited is replaced.
    func take(_ key: String) async throws(LedgerError) -> Claim {
        let first = try await ledger.claim(key, owner: owner, until: expiry(), at: now(), replacing: nil)
        guard case .held(let holder, _) = first, ProcessIdentity.hasExited(holder) else { return first }
        logger.info("taking over from a process that exited", metadata: ["key": "\(key)", "holder": "\(ProcessIdentity.describe(holder))"])
        return try await ledger.claim(key, owner: owner, until: expiry(), at: now(), replacing: holder)
    }

    func release(_ key: String) async throws(LedgerError) {
        try await ledger.release(key, owner: owner)
    }

    func expiry() -> Date { now().addingTimeInterval(lease.seconds) }
}

/// The keys one process holds now.
private actor LocalClaims {
    private var active: Set<String> = []

    func claim(_ key: String) -> Bool { active.insert(key).inserted }
    func release(_ key: String) { active.remove(key) }
}

/// Names this process in the ledger's claims: `host:pid:token`. The token tells apart two processes that had the
/// same pid (one exited, the system reused its number).
enum ProcessIdentity {
    static let current: String = {
        let token = UUID().uuidString.prefix(8).lowercased()
        return "\(host):\(ProcessInfo.processInfo.processIdentifier):\(token)"
    }()

    static let host: String = ProcessInfo.processInfo.hostName.replacingOccurrences(of: ":", with: "-")

    /// `host pid N`, for messages.
    static func describe(_ owner: String) -> String {
        let parts = owner.split(separator: ":")
        return parts.count == 3 ? "\(parts[0]) pid \(parts[1])" : owner
    }

    /// True only when the holder ran on this machine and its pid is gone (Linux's /proc); false when unsure.
    static func hasExited(_ owner: String) -> Bool {
        let parts = owner.split(separator: ":")
        guard parts.count == 3, parts[0] == host, let pid = Int32(parts[1]), owner != current else { return false }
        guard FileManager.default.fileExists(atPath: "/proc/self") else { return false }
        return !FileManager.default.fileExists(atPath: "/proc/\(pid)")
    }
}
