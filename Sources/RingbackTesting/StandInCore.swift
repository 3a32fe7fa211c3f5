import Foundation

/// The scaffolding every transcription-API stand-in shares: the HTTP server, the
/// scripted-reply FIFO, the accepted uploads and the contract violations, all
/// behind one lock.
///
/// It exists so each stand-in file holds only its API's contract. The rule the
/// stand-ins promise their tests lives here once: a scripted reply answers
/// INSTEAD of the contract, yet the request is still judged, so `violations`
/// shows every deviation while `received` only ever holds what the contract
/// actually accepted.
///
/// `Extra` is state a contract reads and changes under the same lock as the
/// uploads (AssemblyAI's jobs); stateless stand-ins use `Void`.
final class StandInCore<Upload: Sendable, Extra: Sendable>: Sendable {
    /// What the lock protects; a stateful contract gets it `inout`, already under the lock.
    @dynamicMemberLookup
    struct Recorded {
        var scripted: [HTTPStandIn.Reply] = []
        var uploads: [Upload] = []
        var violations: [String] = []
        var extra: Extra

        /// The next scripted reply, if one answers instead of the contract (`.asContracted` takes its turn and does not).
        mutating func nextScripted() -> HTTPStandIn.Reply? {
            guard !scripted.isEmpty else { return nil }
            let next = scripted.removeFirst()
            if case .asContracted = next { return nil }
            return next
        }

        /// Lets a contract write `recorded.jobs` rather than `recorded.extra.jobs`.
        subscript<T>(dynamicMember keyPath: WritableKeyPath<Extra, T>) -> T {
            get { extra[keyPath: keyPath] }
            set { extra[keyPath: keyPath] = newValue }
        }
    }

    /// What a stateless contract decides: the normal response, the upload if it was accepted, and the violations seen.
    typealias Answer = (HTTPStandIn.Response, Upload?, [String])

    private let server: HTTPStandIn
    private let state: State

    var baseURL: String { server.baseURL }

    /// Every accepted upload, in order (not those answered by a scripted reply).
    var received: [Upload] { state.read { $0.uploads } }

    /// Every contract deviation seen, in order, even when a scripted reply answered it.
    var violations: [String] { state.read { $0.violations } }

    /// Every HTTP request that arrived, e.g. to count retries.
    var requests: [HTTPStandIn.Request] { server.requests }

    /// For a contract free of state: it runs on the request thread WITHOUT the lock,
    /// and only its outcome is recorded under it.
    init(extra: Extra, contract: @escaping @Sendable (HTTPStandIn.Request) -> Answer) throws {
        let state = State(extra: extra)
        server = try HTTPStandIn { request in
            let (response, upload, violations) = contract(request)
            return state.update { recorded in
                recorded.violations += violations
                if let scripted = recorded.nextScripted() { return scripted }
                if let upload { recorded.uploads.append(upload) }
                return .respond(response)
            }
        }
        self.state = state
    }

    /// For a contract that reads and changes the recorded state (it records its own uploads).
    ///
    /// - Parameters:
    ///   - arrival: runs first for every request, scripted or not, e.g. to time polls.
    ///   - contract: the response and the violations seen. When a scripted reply answers,
    ///     it runs on a scratch copy, because a scripted reply means the request changed nothing.
    init(
        extra: Extra,
        arrival: @escaping @Sendable (HTTPStandIn.Request, inout Recorded) -> Void = { _, _ in },
        contract: @escaping @Sendable (HTTPStandIn.Request, inout Recorded) -> (HTTPStandIn.Response, [String])
    ) throws {
        let state = State(extra: extra)
        server = try HTTPStandIn { request in
            state.update { recorded in
                arrival(request, &recorded)
                if let scripted = recorded.nextScripted() {
                    var scratch = recorded
                    recorded.violations += contract(request, &scratch).1
                    return scripted
                }
                let (response, violations) = contract(request, &recorded)
                recorded.violations += violations
                return .respond(response)
            }
        }
        self.state = state
    }

    /// Queues a reply used INSTEAD of the normal answer for the next request (FIFO).
    func enqueue(_ reply: HTTPStandIn.Reply) {
        state.update { $0.scripted.append(reply) }
    }

    func read<T>(_ body: (Recorded) -> T) -> T {
        state.read(body)
    }

    func update<T>(_ body: (inout Recorded) -> T) -> T {
        state.update(body)
    }

    func stop() {
        server.stop()
    }

    /// A class of its own so the server's handler can capture it before `self` exists.
    private final class State: @unchecked Sendable {
        private let lock = NSLock()
        private var recorded: Recorded

        init(extra: Extra) {
            recorded = Recorded(extra: extra)
        }

        func read<T>(_ body: (Recorded) -> T) -> T {
            lock.lock()
            defer { lock.unlock() }
            return body(recorded)
        }

        func update<T>(_ body: (inout Recorded) -> T) -> T {
            lock.lock()
            defer { lock.unlock() }
            return body(&recorded)
        }
    }
}

extension StandInCore where Extra == Void {
    convenience init(contract: @escaping @Sendable (HTTPStandIn.Request) -> Answer) throws {
        try self.init(extra: (), contract: contract)
    }
}

/// `text` as a JSON string literal, quotes included; one escaper so every stand-in
/// encodes control characters the same way the real services' JSON libraries do.
func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20:
            let hex = String(scalar.value, radix: 16)
            out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
