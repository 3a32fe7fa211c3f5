public import Foundation
import Glibc

/// A tiny HTTP/1.1 server on 127.0.0.1 for stand-ins of remote APIs.
///
/// It speaks just enough HTTP for real clients (libcurl): one request per
/// connection, Content-Length or chunked bodies, `Expect: 100-continue`, and
/// deliberate failures (resets, hangs) that a mock at the Swift level cannot
/// produce.
public final class HTTPStandIn: Sendable {
    public struct Request: Sendable {
        public let method: String
        /// The request target without the query, exactly as sent (not percent-decoded).
        public let path: String
        /// Query parameters, percent-decoded (`+` as space); the last one wins.
        public let query: [String: String]
        public let headers: [(name: String, value: String)]
        public let body: Data

        public init(method: String, path: String, query: [String: String], headers: [(name: String, value: String)], body: Data) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.body = body
        }

        /// The first header with that name, compared case-insensitively.
        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    public struct Response: Sendable {
        public var status: Int
        /// Extra headers; Content-Length and Connection are always set by the server.
        public var headers: [(name: String, value: String)]
        public var body: Data

        public init(status: Int, headers: [(name: String, value: String)] = [], body: Data = Data()) {
            self.status = status
            self.headers = headers
            self.body = body
        }

        public static func json(_ status: Int = 200, _ text: String) -> Response {
            Response(status: status, headers: [("Content-Type", "application/json")], body: Data(text.utf8))
        }

        public static func text(_ status: Int, _ text: String, contentType: String = "text/plain; charset=utf-8") -> Response {
            Response(status: status, headers: [("Content-Type", contentType)], body: Data(text.utf8))
        }
    }

    public enum Reply: Sendable {
        case respond(Response)
        /// Closes with SO_LINGER 0, so the client sees ECONNRESET.
        case reset
        /// Reads the request, sends nothing for that long, then closes.
        case hang(Duration)
        /// In a stand-in's script: this turn is answered as the API's contract says (no fault). A bare HTTPStandIn
        /// has no contract, so there it is a 500.
        case asContracted
    }

    /// Why the server could not start.
    public struct StartError: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public let port: Int
    private let server: Server

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Every request received, in order, including ones answered with a reset or hang.
    public var requests: [Request] { server.recorded() }

    public init(_ handler: @escaping @Sendable (Request) -> Reply) throws {
        let (socket, port) = try Server.listen()
        self.port = port
        server = Server(listener: socket, handler: handler)
        server.startAccepting()
    }

    deinit {
        server.stop()
    }

    /// Closes the listener, cuts hanging connections short and waits for every thread.
    public func stop() {
        server.stop()
    }
}

extension HTTPStandIn {
    /// Owns the sockets and threads. Threads retain this, never the outer
    /// object, so the outer object's deinit can always stop them.
    private final class Server: @unchecked Sendable {
        // All mutable state below is guarded by `condition`.
        private let condition = NSCondition()
        private var listener: Int32
        private var stopped = false
        private var openConnections: Set<Int32> = []
        private var runningThreads = 0
        private var received: [Request] = []
        private let handler: @Sendable (Request) -> Reply

        /// Marks threads owned by a server, so stop() never waits for itself.
        private static let threadKey = "RingbackTesting.HTTPStandIn.server"

        init(listener: Int32, handler: @escaping @Sendable (Request) -> Reply) {
            self.listener = listener
            self.handler = handler
        }

        static func listen() throws -> (Int32, Int) {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { throw StartError(description: "socket() failed: \(errnoText())") }
            var yes: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0, Glibc.listen(fd, 64) == 0 else {
                let text = errnoText()
                close(fd)
                throw StartError(description: "binding 127.0.0.1:0 failed: \(text)")
            }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            guard named == 0 else {
                let text = errnoText()
                close(fd)
                throw StartError(description: "getsockname() failed: \(text)")
            }
            return (fd, Int(UInt16(bigEndian: address.sin_port)))
        }

        private static func errnoText() -> String {
            String(cString: strerror(errno))
        }

        func recorded() -> [Request] {
            condition.lock()
            defer { condition.unlock() }
            return received
        }

        func startAccepting() {
            spawn { $0.acceptLoop() }
        }

        func stop() {
            condition.lock()
            if !stopped {
                stopped = true
                // shutdown() wakes a thread blocked in accept(), poll() or recv().
                shutdown(listener, Int32(SHUT_RDWR))
                for fd in openConnections { shutdown(fd, Int32(SHUT_RDWR)) }
            }
            let isOwnThread = Thread.current.threadDictionary[Self.threadKey] as? ObjectIdentifier == ObjectIdentifier(self)
            // A server thread that ends up here (e.g. via a handler) cannot wait for itself.
            let ownCount = isOwnThread ? 1 : 0
            while runningThreads > ownCount {
                condition.wait()
            }
            if listener >= 0, runningThreads == 0 {
                close(listener)
                listener = -1
            }
            condition.unlock()
        }

        private func spawn(_ body: @escaping @Sendable (Server) -> Void) {
            condition.lock()
            runningThreads += 1
            condition.unlock()
            let thread = Thread { [self] in
                Thread.current.threadDictionary[Self.threadKey] = ObjectIdentifier(self)
                body(self)
                condition.lock()
                runningThreads -= 1
                condition.broadcast()
                condition.unlock()
            }
            thread.name = "HTTPStandIn:\(listener)"
            thread.start()
        }

        private func acceptLoop() {
            condition.lock()
            let fd = listener
            condition.unlock()
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 {
                    if errno == EINTR || errno == ECONNABORTED { continue }
                    return  // the listener was shut down
                }
                condition.lock()
                if stopped {
                    condition.unlock()
                    close(client)
                    return
                }
                openConnections.insert(client)
                condition.unlock()
                spawn { $0.serve(client) }
            }
        }

        private func serve(_ fd: Int32) {
            let connection = Connection(fd: fd)
            var reset = false
            defer {
                condition.lock()
                openConnections.remove(fd)
                condition.unlock()
                if reset {
                    var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
                    setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
                }
                close(fd)
            }
            let request: Request
            switch connection.readRequest() {
            case .success(let parsed):
                request = parsed
            case .failure(.disconnected):
                return
            case .failure(.malformed(let reason)):
                connection.send(.text(400, "malformed request: \(reason)\n"))
                return
            }
            condition.lock()
            received.append(request)
            condition.unlock()

            switch handler(request) {
            case .respond(let response):
                connection.send(response)
            case .reset:
                reset = true
            case .hang(let duration):
                connection.idle(for: duration)
            case .asContracted:
                connection.send(.text(500, "this server has no contract to answer by"))
            }
        }
    }
}
