import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization

/// One `watch` per ledger at a time; a second one stands by and takes over when the first stops renewing its
/// lease (it exited, was killed, or its machine went away).
///
/// The lease is the ledger's `watch` claim, renewed every third of its length. Every service that must not run
/// twice (the intake watcher, reminders, the digest, the call-record follower) waits for it through `standby(_:)`;
/// the web listener serves meanwhile.
public final class WatchLease: Service, Sendable {
    static let key = "watch"
    let claims: LedgerClaims
    let logger: Logger
    private let held = Mutex(false)

    public init(pipeline: VoicemailPipeline, logger: Logger) {
        self.claims = pipeline.claims
        self.logger = logger
    }

    public func run() async throws {
        var announced = false
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let claim: Claim?
            do throws(LedgerError) {
                claim = try await claims.take(Self.key)
            } catch  where error.code == .replaced {
                throw error
            } catch {
                // Busy or full for now: what we had is kept until its lease runs out, and tried again.
                logger.error("cannot take or renew the watch lease", metadata: ["error": "\(error)"])
                claim = nil
            }
            switch claim {
            case nil:
                break
            case .granted:
                if !held.withLock({ $0 }) {
                    if announced { logger.notice("the other watch stopped: taking over") }
                    held.withLock { $0 = true }
                }
            case .held(let holder, let until):
                if held.withLock({ $0 }) {
                    logger.critical("another process took over the watch lease", metadata: ["holder": "\(ProcessIdentity.describe(holder))"])
                    throw WatchLeaseLost(holder: ProcessIdentity.describe(holder))
                }
                if !announced {
                    logger.warning(
                        "another ringback watch is running on this ledger: standing by, and taking over if it stops",
                        metadata: ["holder": "\(ProcessIdentity.describe(holder))", "lease until": "\(until.formatted(.iso8601))"])
                    announced = true
                }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.claims.lease / (self.held.withLock { $0 } ? 3 : 6)) }
        }
        if held.withLock({ $0 }) { try? await claims.release(Self.key) }
    }

    /// Waits for the lease, then runs `service`; returns without running it when shut down first.
    public func standby(_ service: any Service) -> any Service { Standby(lease: self, service: service) }

    fileprivate func waitUntilHeld() async -> Bool {
        while !held.withLock({ $0 }) {
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
        guard await lease.waitUntilHeld() else { return }
        try await service.run()
    }
}

/// Another process holds the lease this one had: it stops rather than work beside it.
public struct WatchLeaseLost: Error, CustomStringConvertible {
    public let holder: String
    public var description: String { "another ringback watch (\(holder)) took over this ledger; this one stops" }
}
