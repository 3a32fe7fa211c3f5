import Foundation
import Glibc

extension HTTPStandIn {
    /// One accepted socket: reads a request, writes a response.
    struct Connection {
        enum ReadFailure: Error {
            case disconnected
            case malformed(String)
        }

        let fd: Int32
        private static let headerLimit = 1 << 20

        func readRequest() -> Result<Request, ReadFailure> {
            var buffer: [UInt8] = []
            var headerEnd: Range<Int>?
            while headerEnd == nil {
                guard buffer.count < Self.headerLimit else { return .failure(.malformed("header block over 1 MiB")) }
                guard receive(into: &buffer) else {
                    return buffer.isEmpty ? .failure(.disconnected) : .failure(.malformed("connection closed inside the headers"))
                }
                headerEnd = buffer.firstRange(of: [13, 10, 13, 10])
            }
            guard let end = headerEnd else { return .failure(.disconnected) }
            let head = String(decoding: buffer[..<end.lowerBound], as: UTF8.self)
            var lines = head.components(separatedBy: "\r\n")
            let requestLine = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: false)
            guard requestLine.count == 3, requestLine[2].hasPrefix("HTTP/1.") else {
                return .failure(.malformed("bad request line"))
            }
            var headers: [(name: String, value: String)] = []
            for line in lines {
                guard let colon = line.firstIndex(of: ":") else {
                    return .failure(.malformed("header line without colon: \(line)"))
                }
                headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
            func header(_ name: String) -> String? {
                headers.first { $0.name.lowercased() == name.lowercased() }?.value
            }

            if header("Expect")?.lowercased() == "100-continue" {
                guard write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) else { return .failure(.disconnected) }
            }
            var rest = Array(buffer[end.upperBound...])
            let body: [UInt8]
            if let encoding = header("Transfer-Encoding"), encoding.lowercased().contains("chunked") {
                switch readChunked(&rest) {
                case .success(let decoded): body = decoded
                case .failure(let failure): return .failure(failure)
                }
            } else if let lengthText = header("Content-Length") {
                guard let length = Int(lengthText), length >= 0 else {
                    return .failure(.malformed("bad Content-Length \(lengthText)"))
                }
                while rest.count < length {
                    guard receive(into: &rest) else { return .failure(.disconnected) }
                }
                body = Array(rest.prefix(length))
            } else {
                body = []
            }

            let target = String(requestLine[1])
            let pathEnd = target.firstIndex(of: "?") ?? target.endIndex
            var query: [String: String] = [:]
            if pathEnd < target.endIndex {
                for pair in target[target.index(after: pathEnd)...].split(separator: "&") {
                    let pieces = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                    query[Self.decode(pieces[0])] = pieces.count > 1 ? Self.decode(pieces[1]) : ""
                }
            }
            return .success(
                Request(
                    method: String(requestLine[0]),
                    path: String(target[..<pathEnd]),
                    query: query,
                    headers: headers,
                    body: Data(body)
                ))
        }

        private func readChunked(_ buffer: inout [UInt8]) -> Result<[UInt8], ReadFailure> {
            var body: [UInt8] = []
            while true {
                guard let line = readLine(&buffer) else { return .failure(.disconnected) }
                let sizeText = line.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
                guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0 else {
                    return .failure(.malformed("bad chunk size line \"\(line)\""))
                }
                if size == 0 {
                    // Trailer fields, then the final empty line.
                    while true {
                        guard let trailer = readLine(&buffer) else { return .failure(.disconnected) }
                        if trailer.isEmpty { return .success(body) }
                    }
                }
                while buffer.count < size + 2 {
                    guard receive(into: &buffer) else { return .failure(.disconnected) }
                }
                guard buffer[size] == 13, buffer[size + 1] == 10 else {
                    return .failure(.malformed("chunk data not followed by CRLF"))
                }
                body.append(contentsOf: buffer[..<size])
                buffer.removeFirst(size + 2)
            }
        }

        private func readLine(_ buffer: inout [UInt8]) -> String? {
            while true {
                if let range = buffer.firstRange(of: [13, 10]) {
                    let line = String(decoding: buffer[..<range.lowerBound], as: UTF8.self)
                    buffer.removeFirst(range.upperBound)
                    return line
                }
                guard receive(into: &buffer) else { return nil }
            }
        }

        /// Appends what the socket has; false on EOF or error.
        private func receive(into buffer: inout [UInt8]) -> Bool {
            var chunk = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { return false }
                buffer.append(contentsOf: chunk[..<count])
                return true
            }
        }

        @discardableResult
        private func write(_ bytes: [UInt8]) -> Bool {
            var offset = 0
            while offset < bytes.count {
                // MSG_NOSIGNAL: a client that went away must not SIGPIPE the test process.
                let sent = bytes[offset...].withUnsafeBytes {
                    Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
                if sent < 0, errno == EINTR { continue }
                guard sent > 0 else { return false }
                offset += sent
            }
            return true
        }

        func send(_ response: Response) {
            var head = "HTTP/1.1 \(response.status) \(Self.reason(response.status))\r\n"
            for (name, value) in response.headers
            where !["content-length", "connection", "transfer-encoding"].contains(name.lowercased()) {
                head += "\(name): \(value)\r\n"
            }
            head += "Content-Length: \(response.body.count)\r\nConnection: close\r\n\r\n"
            guard write(Array(head.utf8)), write([UInt8](response.body)) else { return }
            shutdown(fd, Int32(SHUT_WR))
            // Wait briefly for the client to close, so unread bytes never turn close() into a reset.
            var pollFD = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            var scratch = [UInt8](repeating: 0, count: 4096)
            while poll(&pollFD, 1, 1000) > 0 {
                let count = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count <= 0 { break }
            }
        }

        /// Sends nothing until the time is up, the client leaves, or the server stops.
        func idle(for duration: Duration) {
            let deadline = ContinuousClock.now + duration
            var pollFD = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            var scratch = [UInt8](repeating: 0, count: 4096)
            while true {
                let left = ContinuousClock.now.duration(to: deadline)
                guard left > .zero else { return }
                let (seconds, attoseconds) = left.components
                let milliseconds = min(Int64(Int32.max), seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
                let ready = poll(&pollFD, 1, Int32(milliseconds))
                if ready < 0, errno == EINTR { continue }
                if ready == 0 { continue }
                if ready < 0 { return }
                // Readable: either extra bytes (ignored) or EOF/shutdown (done).
                let count = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if count <= 0 { return }
            }
        }

        private static func decode(_ text: Substring) -> String {
            let spaced = text.replacingOccurrences(of: "+", with: " ")
            return spaced.removingPercentEncoding ?? spaced
        }

        private static func reason(_ status: Int) -> String {
            switch status {
            case 100: "Continue"
            case 200: "OK"
            case 201: "Created"
            case 204: "No Content"
            case 400: "Bad Request"
            case 401: "Unauthorized"
            case 403: "Forbidden"
            case 404: "Not Found"
            case 405: "Method Not Allowed"
            case 408: "Request Timeout"
            case 413: "Payload Too Large"
            case 415: "Unsupported Media Type"
            case 422: "Unprocessable Entity"
            case 429: "Too Many Requests"
            case 500: "Internal Server Error"
            case 502: "Bad Gateway"
            case 503: "Service Unavailable"
            case 504: "Gateway Timeout"
            default: "Status"
            }
        }
    }
}
