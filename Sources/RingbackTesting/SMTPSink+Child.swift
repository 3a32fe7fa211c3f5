import Foundation
import Glibc

extension SMTPSink {
    /// The python process and what it printed. Process is not Sendable, so
    /// every use goes through `lock`.
    final class Child: @unchecked Sendable {
        private let lock = NSLock()
        private let process = Process()
        private let stdout = Pipe()
        private let stderrLog: URL
        private var output = Data()
        private var stopped = false

        init(arguments: [String], stderrLog: URL) throws {
            self.stderrLog = stderrLog
            guard FileManager.default.createFile(atPath: stderrLog.path, contents: nil) else {
                throw Failure(description: "cannot create \(stderrLog.path)")
            }
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
            stdout.fileHandleForReading.readabilityHandler = { [weak self] handle in
                let chunk = handle.availableData
                guard let self, !chunk.isEmpty else {
                    // EOF: without this the handler would be called again and again.
                    handle.readabilityHandler = nil
                    return
                }
                lock.lock()
                output.append(chunk)
                lock.unlock()
            }
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
            lock.lock()
            let text = String(decoding: output, as: UTF8.self)
            lock.unlock()
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
