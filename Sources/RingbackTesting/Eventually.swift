/// Waiting for something a separate process does (a watcher writing a card, a process exiting).
public enum Eventually {
    /// Polls `condition` every 100 ms; true as soon as it holds, false if `timeout` passes first.
    public static func holds(within timeout: Duration, _ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while !condition() {
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(100))
        }
        return true
    }
}
