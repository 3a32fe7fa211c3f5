import Foundation
import Synchronization

/// A real PostgreSQL 15 (Debian's `postgresql-15`, which `make test` installs) for the tests: one cluster per test
/// process, `initdb` in a temporary folder, listening on a free loopback port, and a fresh database per test.
///
/// PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user. A watchdog stops the
/// server when the test process ends, however it ends.
public final class PostgresServer: Sendable {
    public let port: Int
    public let folder: String
    static let bin = "/usr/lib/postgresql/15/bin"

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    private static let started = Mutex<PostgresServer?>(nil)

    /// The test process's server, started at the first call.
    public static func shared() throws -> PostgresServer {
        try started.withLock { server in
            if let server { return server }
            let new = try PostgresServer()
            server = new
            return new
        }
    }

    /// A server of its own, listening on loopback and on `addresses` too, trusting connections from `network` (a
    /// test that cuts a node off in a network namespace). Stopped by `stop()` or with the test process.
    public static func start(alsoListeningOn addresses: [String], trusting network: String) throws -> PostgresServer {
        try PostgresServer(addresses: addresses, network: network)
    }

    private init(addresses: [String] = [], network: String? = nil) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.bin + "/initdb") else {
            throw Failure(description: "PostgreSQL 15 is not installed (\(Self.bin)/initdb): `make test` installs postgresql-15")
        }
        folder = "/tmp/ringback-pg-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let root = getuid() == 0
        if root { try Self.run("/bin/chown", ["postgres:postgres", folder]) }
        port = try LoopbackPort.free()
        try Self.run(
            Self.bin + "/initdb", ["-D", folder + "/data", "-U", "ringback", "-A", "trust", "-E", "UTF8", "--no-sync", "--locale=C.UTF-8"], asPostgres: root)
        if let network {
            let hba = try FileHandle(forWritingTo: URL(fileURLWithPath: folder + "/data/pg_hba.conf"))
            try hba.seekToEnd()
            try hba.write(contentsOf: Data("host all all \(network) trust\n".utf8))
            try hba.close()
        }
        let listen = (["127.0.0.1"] + addresses).joined(separator: ",")
        try Self.run(
            Self.bin + "/pg_ctl",
            [
                "-D", folder + "/data", "-l", folder + "/server.log", "-w", "-t", "60", "-o",
                "-p \(port) -c listen_addresses=\(listen) -c unix_socket_directories=\(folder) -c fsync=off -c synchronous_commit=off -c max_connections=300",
                "start",
            ], asPostgres: root)
        // Stops the server when this process is gone, even after a crash or a kill.
        let watchdog = Process()
        watchdog.executableURL = URL(fileURLWithPath: "/bin/bash")
        let stop = root ? "runuser -u postgres -- \(Self.bin)/pg_ctl" : "\(Self.bin)/pg_ctl"
        watchdog.arguments = [
            "-c",
            "while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; \(stop) -D \(folder)/data -m immediate stop >/dev/null 2>&1; rm -rf \(folder)",
        ]
        watchdog.standardOutput = FileHandle.nullDevice
        watchdog.standardError = FileHandle.nullDevice
        try watchdog.run()
    }

    /// Stops the server at once (the watchdog then has nothing to do).
    public func stop() {
        _ = try? Self.run(Self.bin + "/pg_ctl", ["-D", folder + "/data", "-m", "immediate", "stop"], asPostgres: getuid() == 0)
    }

    /// A new, empty database: its `ledger:` URL (TLS off, loopback only).
    public func database() throws -> String {
        url(try createDatabase())
    }

    /// A new, empty database: its name.
    public func createDatabase() throws -> String {
        let name = "t_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        try psql("CREATE DATABASE \(name)")
        return name
    }

    public func url(_ database: String, host: String = "127.0.0.1", user: String = "ringback") -> String {
        "postgres://\(user)@\(host):\(port)/\(database)?sslmode=disable"
    }

    /// Runs SQL as the superuser (in `database`).
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres") throws -> String {
        try Self.run(
            Self.bin + "/psql",
            ["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)", "-U", "ringback", "-d", database, "-c", sql])
    }

    /// Runs a program to its end and returns what it printed. posix_spawn and waitpid rather than `Process`: the
    /// server that `pg_ctl` starts outlives it and holds what it inherited, which `Process` waits on. It inherits
    /// only its standard input, output and error.
    @discardableResult
    static func run(_ path: String, _ arguments: [String], asPostgres: Bool = false) throws -> String {
        // From /tmp: the postgres user may not be allowed into the tests' working folder.
        let argv = ["/bin/sh", "-c", "cd /tmp && exec \"$@\"", "sh"] + (asPostgres ? ["/usr/sbin/runuser", "-u", "postgres", "--", path] : [path]) + arguments
        let output = "/tmp/ringback-pg-\(UUID().uuidString).out"
        defer { unlink(output) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else of this process's: the server would hold a test's pipes and sockets open for its whole life.
        guard Self.closeFrom(&actions, 3) == 0 else { throw Failure(description: "cannot arrange to close descriptors for \(argv[0])") }
        var pid: pid_t = 0
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, environ)
        guard spawned == 0 else { throw Failure(description: "cannot run \(argv[0]): \(String(cString: strerror(spawned)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        let exited = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        guard exited == 0 else {
            throw Failure(description: "\((path as NSString).lastPathComponent) failed (\(exited)): \(text)")
        }
        return text
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later; Debian 12 has 2.36), which Swift's Glibc
    /// module does not import: every descriptor from the given one up is closed in the child, atomically.
    private static let closeFrom: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32 = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            return { _, _ in ENOSYS }
        }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()
}
