import Foundation
import Synchronization

extension Ledger {
    /// `work`'s answer, or `LedgerError(.open)` once `limit` has passed without one: a database behind a link that
    /// went down does not answer at all (TCP keeps retrying for minutes), and a lease or a health check must not wait
    /// on it. The work itself is cancelled and left to end on its own.
    public func answering<T: Sendable>(
        within limit: Duration, _ work: @escaping @Sendable () async throws(LedgerError) -> T
    ) async throws(LedgerError) -> T {
        let attempt = Task { () async throws(LedgerError) -> T in try await work() }
        let path = self.path
        let outcome: Result<T, LedgerError>? = await withCheckedContinuation { continuation in
            let resumed = Mutex(false)
            let resume = { @Sendable (value: Result<T, LedgerError>?) in
                let first = resumed.withLock { done in
                    defer { done = true }
                    return !done
                }
                if first { continuation.resume(returning: value) }
            }
            Task { resume(await attempt.result.mapError { $0 as? LedgerError ?? LedgerError(code: .query, path: path, message: "\($0)") }) }
            Task {
                try? await Task.sleep(for: limit)
                resume(nil)
            }
        }
        guard let outcome else {
            attempt.cancel()
            throw LedgerError(code: .open, path: path, message: "the ledger did not answer within \(limit)")
        }
        return try outcome.get()
    }
}
