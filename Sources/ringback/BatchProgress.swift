import Foundation
import RingbackCore
import Synchronization

/// What `reprocess` shows while it works. Each finished voicemail is one line, written at once (a pipe or a log sees
/// it when it happens, not in blocks). When standard error is a terminal, a progress line is kept at the bottom of it
/// and redrawn in place four times a second: done of total, a bar, the rate and the time left. It is there from the
/// start, before the first voicemail is finished, and is never written to a pipe or a file.
final class BatchProgress: Sendable {
    private struct State {
        var done = 0
        var drawn = false
    }

    private let total: Int
    /// Result lines go to standard error (with `--json`, whose document owns standard output) or standard output.
    private let linesToStandardError: Bool
    private let live: Bool
    private let started = ContinuousClock.now
    private let state = Mutex(State())
    private let ticker = Mutex<Task<Void, Never>?>(nil)

    init(total: Int, linesToStandardError: Bool) {
        self.total = total
        self.linesToStandardError = linesToStandardError
        self.live = isatty(STDERR_FILENO) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    /// Starts redrawing (on a terminal only).
    func start() {
        guard live else { return }
        redraw()
        ticker.withLock {
            $0 = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(250))
                    self?.redraw()
                }
            }
        }
    }

    /// One voicemail finished: its line, numbered (`[ 7/20]`), then the progress line again below it.
    func finished(_ line: String) {
        state.withLock { state in
            state.done += 1
            clear(&state)
            write("\(Self.counter(done: state.done, total: total)) \(line)\n", toStandardError: linesToStandardError)
            draw(&state)
        }
    }

    /// Removes the progress line, so the summary stands alone.
    func stop() {
        ticker.withLock {
            $0?.cancel()
            $0 = nil
        }
        state.withLock { clear(&$0) }
    }

    private func redraw() {
        state.withLock { draw(&$0) }
    }

    private func clear(_ state: inout State) {
        guard live, state.drawn else { return }
        write("\r\u{1B}[2K", toStandardError: true)
        state.drawn = false
    }

    private func draw(_ state: inout State) {
        guard live else { return }
        write("\r\u{1B}[2K" + Self.line(done: state.done, total: total, elapsed: ContinuousClock.now - started), toStandardError: true)
        state.drawn = true
    }

    /// `[ 120/2000] ███░░░░░░░░░░░░░░░░░   6% · 41.2/s · 0:46 left`
    static func line(done: Int, total: Int, elapsed: Duration) -> String {
        let width = 20
        let fraction = total > 0 ? Double(done) / Double(total) : 1
        let filled = Int((fraction * Double(width)).rounded(.down))
        let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
        let counter = counter(done: done, total: total)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        var text = "\(counter) \(bar) \(String(format: "%3d", Int(fraction * 100)))%"
        guard done > 0, seconds > 0 else { return text + " · starting" }
        let rate = Double(done) / seconds
        text += " · " + (rate >= 10 ? String(format: "%.0f/s", rate) : String(format: "%.1f/s", rate))
        if done < total {
            let left = Duration.seconds(Double(total - done) / rate)
            text += " · \(left.callLength) left"
        }
        return text
    }

    /// Straight to the descriptor, never through stdio's buffer: a pipe gets each line when it is written.
    /// `[  7/120]`: done of total, padded to the total's width.
    static func counter(done: Int, total: Int) -> String {
        "[\(String(repeating: " ", count: max(0, String(total).count - String(done).count)))\(done)/\(total)]"
    }

    private func write(_ text: String, toStandardError: Bool) {
        (toStandardError ? FileHandle.standardError : FileHandle.standardOutput).write(Data(text.utf8))
    }
}
