import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization

/// A lease in the ledger that lets one process run what must not run twice, and makes the others stand by.
///
/// - The **site** lease (`watch`, or `watch:SITE` on a shared ledger): one `watch` per drop folder at a time runs its
///   intake watcher, its call records and its web listener. A second `watch` of the same site stands by and takes
///   over when the first stops renewing (it exited, was killed, or its machine went away). Nodes of other sites
///   watch their own folders beside it.
/// - The **cluster** lease (`cluster`): one node of all those on the ledger sends the reminders, escalations,
///   owed cards, texts, webhooks and the digest. Losing it stops those services here; they resume if it comes back.
///
/// A lease is renewed every third of its length. A process that cannot reach the ledger for a whole lease stops
/// counting on it and says so: by then another node may have taken it.
public final class WatchLease: Service, Sendable {
    public enum Role: Sendable {
        case site, cluster
    }

    static let key = "watch"
    let role: Role
    let leaseKey: String
    let claims: LedgerClaims
    let logger: Logger
    private let held = Mutex(false)
    private let lastConfirmed = Mutex(Date.distantPast)

    public init(pipeline: VoicemailPipeline, role: Role = .site, logger: Logger) {
        self.role = role
        self.leaseKey = role == .cluster ? "cluster" : pipeline.config.sharedSite.map { "\(Self.key):\($0)" } ?? Self.key
        self.claims = pipeline.claims
        self.logger = logger
    }

    var isHeld: Bool { held.withLock { $0 } }

    public func run() async throws {
        var announced = false
        var outage = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let claim: Claim?
            do throws(LedgerError) {
                // With a time limit: a database behind a dropped link never answers, and the lease must not wait past its end.
                claim = try await claims.ledger.answering(within: claims.lease / 3) { [claims, leaseKey] () async throws(LedgerError) in
                    try await claims.take(leaseKey)
                }
            } catch  where error.code == .replaced {
                throw error
            } catch {
                if !outage {
                    logger.error("cannot take or renew the \(name) lease", metadata: ["error": "\(error)"])
                    outage = true
                }
                claim = nil
            }
            switch claim {
            case nil:
                // What we had is kept until its lease runs out; after that another node may hold it.
                if isHeld, claims.now().timeIntervalSince(lastConfirmed.withLock { $0 }) >= claims.lease.seconds {
                    held.withLock { $0 = false }
                    logger.critical(
                        "lost the ledger for longer than the \(name) lease: \(role == .site ? "nothing is claimed" : "stopped \(work)") until it answers; another node may take over meanwhile"
                    )
                }
            case .granted:
                lastConfirmed.withLock { $0 = claims.now() }
                if outage {
                    logger.notice("the ledger answers again")
                    outage = false
                }
                if !isHeld {
                    if role == .cluster {
                        logger.log(level: announced ? .notice : .info, "running \(work)")
                    } else if announced {
                        logger.notice("the other watch stopped: taking over")
                    }
                    held.withLock { $0 = true }
                }
            case .held(let holder, let until):
                outage = false
                let hadIt = isHeld || lastConfirmed.withLock { $0 } != .distantPast
                if hadIt {
                    held.withLock { $0 = false }
                    lastConfirmed.withLock { $0 = .distantPast }
                    guard role == .cluster else {
                        logger.critical("another process took over the watch lease", metadata: ["holder": "\(ProcessIdentity.describe(holder))"])
                        throw WatchLeaseLost(holder: ProcessIdentity.describe(holder))
                    }
                    logger.notice("another node runs \(work) now: standing by", metadata: ["holder": "\(ProcessIdentity.describe(holder))"])
                    announced = true
                } else if !announced {
                    if role == .site {
                        logger.warning(
                            "another ringback watch is running on this ledger: standing by, and taking over if it stops",
                            metadata: ["holder": "\(ProcessIdentity.describe(holder))", "lease until": "\(until.formatted(.iso8601))"])
                    } else {
                        logger.info("another node runs \(work): standing by", metadata: ["holder": "\(ProcessIdentity.describe(holder))"])
                    }
                    announced = true
                }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.claims.lease / (self.isHeld ? 3 : 6)) }
        }
        if isHeld { try? await claims.release(leaseKey) }
    }

    private var name: String { role == .site ? "watch" : "cluster" }
    private var work: String {
        role == .site ? "watching this site's folders" : "the cluster's reminders, owed cards, texts, webhooks and digest"
    }

    /// Waits for the lease, then runs `service`. A site's service runs until shutdown; a cluster service is stopped
    /// when the lease is lost and started again when it is held again.
    public func standby(_ service: any Service) -> any Service { Standby(lease: self, service: service) }

    fileprivate func waitUntil(held wanted: Bool) async -> Bool {
        while isHeld != wanted {
            if Task.isShuttingDownGracefully || Task.isCancelled { return false }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(250)) }
        }
        return true
    }
}

private struct Standby: Service {
    let lease: WatchLease
    let service: any Service

    func run() async throws {
        while await lease.waitUntil(held: true) {
            guard lease.role == .cluster else {
                try await service.run()
                return
            }
            let service = self.service
            let lease = self.lease
            let finished = try await withThrowingTaskGroup(of: Bool.self) { group in
                group.addTask {
                    try await service.run()
                    return true
                }
                group.addTask { !(await lease.waitUntil(held: false)) }
                let first = try await group.next() ?? true
                group.cancelAll()
                return first
            }
            if finished { return }
        }
    }
}

/// Another process holds the lease this one had: it stops rather than work beside it.
public struct WatchLeaseLost: Error, CustomStringConvertible {
    public let holder: String
    public var description: String { "another ringback watch (\(holder)) took over this ledger; this one stops" }
}
