public import Foundation

/// Runs the real `ringback` binary the way a user would, for end-to-end tests.
public enum RingbackCLI {
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String
    }

    public struct NotFound: Error, CustomStringConvertible {
        public let description: String
    }

    /// The binary built beside the test bundle (`.build/debug/ringback`), or `$RINGBACK_BINARY`.
    public static func binary() throws -> URL {
        if let explicit = ProcessInfo.processInfo.environment["RINGBACK_BINARY"] {
            return URL(fileURLWithPath: explicit)
        }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var folder = executable.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("ringback")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        throw NotFound(description: "no ringback binary near \(executable.path); build it or set RINGBACK_BINARY")
    }

    /// Runs to completion in `directory`, capturing both streams. `executable` runs another program instead (a shell
    /// that wraps `ringback` in a pseudo-terminal, say).
    public static func run(
        _ arguments: [String], in directory: URL, executable: String? = nil, environment: [String: String] = [:]
    ) async throws -> Result {
        let process = try makeProcess(arguments, in: directory, environment: environment)
        if let executable { process.executableURL = URL(fileURLWithPath: executable) }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read both pipes concurrently so a chatty child never blocks on a full pipe, each on a thread of its own:
        // a read that blocks until the child exits must not hold one of Swift concurrency's threads (one per core),
        // or every other test in the process stalls behind a child that runs for a minute (a whisper decode).
        async let out = readToEnd(output.fileHandleForReading)
        async let err = readToEnd(errors.fileHandleForReading)
        let (stdout, stderr) = await (out, err)
        while process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
        return Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }

    private static func readToEnd(_ handle: FileHandle) async -> Data {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: handle.readDataToEndOfFile()) }
            thread.name = "ringback-cli-pipe"
            thread.start()
        }
    }

    /// Starts a long-running command (`watch`); its output goes to files in `directory`. With `wrapper`, that program
    /// runs `ringback` (its path and `arguments` appended): `ip netns exec NAME`, say, for a node in a network of its own.
    public static func start(
        _ arguments: [String], in directory: URL, environment: [String: String] = [:], through wrapper: [String] = []
    ) throws -> Process {
        let process = try makeProcess(arguments, in: directory, environment: environment)
        if let program = wrapper.first {
            process.arguments = Array(wrapper.dropFirst()) + [try binary().path] + arguments
            process.executableURL = URL(fileURLWithPath: program)
        }
        let log = directory.appendingPathComponent("ringback-\(UUID().uuidString.prefix(6)).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        return process
    }

    private static func makeProcess(_ arguments: [String], in directory: URL, environment: [String: String]) throws -> Process {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        return process
    }
}
