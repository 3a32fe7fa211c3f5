import Foundation
import RingbackCurl
import RingbackTesting
import Testing

/// The web listener faces the internet, intake shares its descriptors: a flood of idle connections must not starve
/// the watcher, with the common soft limit of 1,024 descriptors.
extension WatchTests {
    /// Holds `count` idle connections to `port` from a child process; `release()` closes them and says how many the
    /// server had closed first.
    final class Flood {
        let process = Process()
        private let input = Pipe()
        private let output = Pipe()

        init(port: Int, count: Int) throws {
            let script = """
                import socket, sys
                held = []
                for _ in range(int(sys.argv[2])):
                    try:
                        held.append(socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2))
                    except OSError:
                        pass
                print("held", len(held), flush=True)
                sys.stdin.read()
                closed = 0
                for s in held:
                    s.settimeout(0.2)
                    try:
                        closed += s.recv(1) == b""
                    except (ConnectionResetError, BrokenPipeError):
                        closed += 1
                    except socket.timeout:
                        pass
                print("closed", closed, flush=True)
                """
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = ["-c", script, String(port), String(count)]
            process.standardInput = input
            process.standardOutput = output
            try process.run()
        }

        /// Waits for every connection to be attempted; returns how many are open.
        func held() -> Int {
            let line = readLine()
            return Int(line.split(separator: " ").last ?? "") ?? 0
        }

        func release() -> Int {
            try? input.fileHandleForWriting.close()
            let line = readLine()
            process.waitUntilExit()
            return Int(line.split(separator: " ").last ?? "") ?? -1
        }

        private func readLine() -> String {
            var line = Data()
            while let byte = try? output.fileHandleForReading.read(upToCount: 1), let first = byte.first, first != 0x0A { line.append(first) }
            return String(decoding: line, as: UTF8.self)
        }
    }

    /// `watch` with `web` set and the common soft limit of 1,024 descriptors; returns it and the port it listens on.
    func startWatchingWithFewDescriptors(web: String) async throws -> (Process, Int) {
        try writeConfig()
        try Data("\nweb: { \(web) }\n".utf8).append(to: folder.url.appendingPathComponent("pipeline.yml"))
        let process = try startWatching()
        let limit = Process()
        limit.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
        limit.arguments = ["--pid", String(process.processIdentifier), "--nofile=1024:1024"]
        try limit.run()
        limit.waitUntilExit()
        #expect(limit.terminationStatus == 0)
        return (process, try await listeningPort())
    }

    func listeningPort() async throws -> Int {
        var port: Int?
        try await waitFor(timeout: .seconds(20)) {
            let log = (try? logText()) ?? ""
            guard let line = log.split(separator: "\n").last(where: { $0.contains("serving") }),
                let match = line.firstMatch(of: /127\.0\.0\.1:(\d+)/)
            else { return false }
            port = Int(match.1)
            return true
        }
        return try #require(port)
    }

    /// 1,100 idle connections, with a limit of 1,024 descriptors: the listener keeps to `web.max_connections` by
    /// closing the connections quiet the longest, `/healthz` answers, and every voicemail that arrives is carded.
    @Test func aFloodOfIdleConnectionsNeitherStarvesIntakeNorLocksOutTheOwner() async throws {
        let (process, port) = try await startWatchingWithFewDescriptors(web: "listen: 127.0.0.1:0")
        defer { if process.isRunning { process.terminate() } }

        let flood = try Flood(port: port, count: 1_100)
        #expect(flood.held() > 1_000, "the connections were accepted (and the oldest closed), not refused")
        try dropAtOnce(3, prefix: "flooded")
        let health = try await HTTPClient().perform(HTTPRequest(url: "http://127.0.0.1:\(port)/healthz"))
        #expect(health.status == 200, "a new connection is served while the flood is held")
        try await waitFor(timeout: .seconds(30)) { cards >= 3 }
        let closed = flood.release()
        #expect(closed >= 1_100 - 256 - 1, "at most web.max_connections (256) stayed open: \(closed) were closed by the server")
        #expect(process.isRunning)
        let log = try logText()
        #expect(log.contains("at its connection limit") && log.contains("limit=256"), "\(log.suffix(2000))")
        try await stop(process)
    }

    /// The same flood with `max_connections` above the descriptor limit: the listener runs out of descriptors, and
    /// intake, instead of failing halfway through a voicemail, waits with a warning and cards everything once
    /// descriptors are free again (the idle connections are closed after 15 s).
    @Test func runningOutOfDescriptorsHoldsIntakeBackAndLosesNothing() async throws {
        let (process, port) = try await startWatchingWithFewDescriptors(web: "listen: 127.0.0.1:0, max_connections: 5000")
        defer { if process.isRunning { process.terminate() } }

        let flood = try Flood(port: port, count: 1_100)
        _ = flood.held()
        try dropAtOnce(3, prefix: "starved")
        try await waitFor(timeout: .seconds(10)) { (try? logText().contains("too few file descriptors are free")) ?? false }
        #expect(cards == 0, "nothing was started that could not be finished")
        try await waitFor(timeout: .seconds(60)) { cards >= 3 }
        _ = flood.release()
        try await Task.sleep(for: .seconds(1))
        #expect(cards == 3)
        #expect(process.isRunning)
        let log = try logText()
        #expect(log.contains("file descriptors are free again"), "\(log.suffix(2000))")
        #expect(!log.contains("rejected"), "no voicemail was quarantined for want of a descriptor")
        try await stop(process)
    }
}

extension Data {
    func append(to url: URL) throws {
        let handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
        try handle.write(contentsOf: self)
        try handle.close()
    }
}
