import Foundation
import Glibc

extension SMTPSink {
    /// The python process and what it printed. Process is not Sendable, so
    /// every use goes through `lock`.
    ///
    /// Its output goes to files, read when asked: a `readabilityHandler` on a pipe is a Dispatch source on a
    /// descriptor that Foundation closes while the source may still be registered, which can crash libdispatch's
    /// event loop in a test process full of concurrent work.
    final class Child: @unchecked Sendable {
        private let lock = NSLock()
        private let process = Process()
        private let stdoutLog: URL
        private let stderrLog: URL
        private var stopped = false

        init(arguments: [String], stdoutLog: URL, stderrLog: URL) throws {
            self.stdoutLog = stdoutLog
            self.stderrLog = stderrLog
            for log in [stdoutLog, stderrLog] where !FileManager.default.createFile(atPath: log.path, contents: nil) {
                throw Failure(description: "cannot create \(log.path)")
            }
            let stdout = try FileHandle(forWritingTo: stdoutLog)
            defer { try? stdout.close() }
            let stderr = try FileHandle(forWritingTo: stderrLog)
            defer { try? stderr.close() }

            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = arguments
            // Debian's python must find Debian's aiosmtpd, whatever the test's environment says.
            var environment = ProcessInfo.processInfo.environment
            environment["PYTHONPATH"] = nil
            environment["PYTHONHOME"] = nil
            environment["PYTHONDONTWRITEBYTECODE"] = "1"
            process.environment = environment
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = stdout
            process.standardError = stderr
            try process.run()
        }

        var isRunning: Bool {
            lock.lock()
            defer { lock.unlock() }
            return process.isRunning
        }

        var exitStatus: Int32 {
            lock.lock()
            defer { lock.unlock() }
            return process.isRunning ? -1 : process.terminationStatus
        }

        func readyPort() -> Int? {
            let text = (try? String(contentsOf: stdoutLog, encoding: .utf8)) ?? ""
            guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("READY ") }),
                text.contains("\(line)\n")
            else { return nil }
            return Int(line.dropFirst(6))
        }

        func stderrText() -> String {
            (try? String(contentsOf: stderrLog, encoding: .utf8)) ?? "(no stderr log at \(stderrLog.path))"
        }

        func stop() {
            lock.lock()
            defer { lock.unlock() }
            guard !stopped else { return }
            stopped = true
            guard process.isRunning else { return }
            process.terminate()
            let deadline = ContinuousClock.now + .seconds(5)
            while process.isRunning, ContinuousClock.now < deadline {
                usleep(10_000)
            }
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
    }
}
