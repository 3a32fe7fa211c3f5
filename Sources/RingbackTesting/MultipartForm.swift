public import Foundation

/// A strict multipart/form-data parser (RFC 7578 on top of RFC 2046).
///
/// Stand-ins use it to reject bodies a lenient server would silently accept,
/// so client bugs surface in tests instead of against the real API.
public struct MultipartForm: Sendable {
    public struct Part: Sendable {
        public let name: String
        public let filename: String?
        public let contentType: String?
        /// Every header of the part as `[name, value]`, in order.
        public let headers: [[String]]
        public let body: Data

        /// The first header with that name, compared case-insensitively.
        public func header(_ name: String) -> String? {
            headers.first { $0.first?.lowercased() == name.lowercased() }?.last
        }
    }

    /// Why a body was refused; `message` names the exact deviation.
    public struct ParseError: Error, CustomStringConvertible, Sendable {
        public let message: String
        public init(_ message: String) { self.message = message }
        public var description: String { "malformed multipart/form-data: \(message)" }
    }

    public let parts: [Part]

    public init(body: Data, contentType: String) throws {
        let boundary = try Self.boundary(from: contentType)
        parts = try Self.parse(body: [UInt8](body), boundary: Array("--\(boundary)".utf8))
    }

    /// The first part with that field name.
    public func part(_ name: String) -> Part? {
        parts.first { $0.name == name }
    }

    /// Every part with that field name, in order (repeated fields are legal).
    public func parts(named name: String) -> [Part] {
        parts.filter { $0.name == name }
    }

    // MARK: - Content-Type

    static func boundary(from contentType: String) throws -> String {
        let (mediaType, parameters) = try HeaderValue.parse(contentType)
        guard mediaType == "multipart/form-data" else {
            throw ParseError("content type is \"\(mediaType)\", expected multipart/form-data")
        }
        guard let boundary = parameters.first(where: { $0.name == "boundary" })?.value else {
            throw ParseError("Content-Type has no boundary parameter")
        }
        guard (1...70).contains(boundary.utf8.count) else {
            throw ParseError("boundary must be 1 to 70 characters, got \(boundary.utf8.count)")
        }
        let allowed = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ")
        guard boundary.allSatisfy(allowed.contains), boundary.last != " " else {
            throw ParseError("boundary \"\(boundary)\" has characters RFC 2046 does not allow")
        }
        return boundary
    }

    // MARK: - Body

    private static let crlf: [UInt8] = [13, 10]

    static func parse(body: [UInt8], boundary dashBoundary: [UInt8]) throws -> [Part] {
        // The first delimiter may follow a preamble, but only after a CRLF.
        var cursor: Int
        if body.starts(with: dashBoundary) {
            cursor = dashBoundary.count
        } else if let found = body.firstRange(of: crlf + dashBoundary) {
            cursor = found.upperBound
        } else {
            throw ParseError("the opening delimiter \"\(String(decoding: dashBoundary, as: UTF8.self))\" never appears")
        }
        if body[cursor...].starts(with: [45, 45]) {
            throw ParseError("the body has no parts, only a closing delimiter")
        }
        cursor = try skipPaddingAndCRLF(body, from: cursor, after: "the opening delimiter")

        let delimiter = crlf + dashBoundary
        var parts: [Part] = []
        while true {
            guard let end = body[cursor...].firstRange(of: delimiter) else {
                throw ParseError("part \(parts.count + 1) is not followed by a delimiter; the closing delimiter is missing")
            }
            parts.append(try part(body[cursor..<end.lowerBound], number: parts.count + 1))
            cursor = end.upperBound
            if body[cursor...].starts(with: [45, 45]) {
                // Only transport padding and an epilogue after a CRLF may follow.
                let rest = body[(cursor + 2)...]
                let padding = rest.prefix { $0 == 32 || $0 == 9 }
                let after = rest.dropFirst(padding.count)
                guard after.isEmpty || after.starts(with: crlf) else {
                    throw ParseError("junk follows the closing delimiter without a CRLF")
                }
                return parts
            }
            cursor = try skipPaddingAndCRLF(body, from: cursor, after: "the delimiter before part \(parts.count + 1)")
        }
    }

    private static func skipPaddingAndCRLF(_ body: [UInt8], from start: Int, after what: String) throws -> Int {
        var cursor = start
        while cursor < body.count, body[cursor] == 32 || body[cursor] == 9 { cursor += 1 }
        guard body[cursor...].starts(with: crlf) else {
            throw ParseError("\(what) is not followed by CRLF")
        }
        return cursor + 2
    }

    private static func part(_ bytes: ArraySlice<UInt8>, number: Int) throws -> Part {
        let headerBytes: ArraySlice<UInt8>
        let body: ArraySlice<UInt8>
        if bytes.starts(with: crlf) {
            headerBytes = []
            body = bytes.dropFirst(2)
        } else if let split = bytes.firstRange(of: crlf + crlf) {
            headerBytes = bytes[bytes.startIndex..<split.lowerBound]
            body = bytes[split.upperBound...]
        } else {
            throw ParseError("part \(number) has no blank CRLF line ending its headers")
        }
        let headers = try parseHeaders(headerBytes, part: number)
        let dispositions = headers.filter { $0[0].lowercased() == "content-disposition" }
        guard dispositions.count == 1 else {
            throw ParseError("part \(number) has \(dispositions.count) Content-Disposition headers, expected exactly 1")
        }
        let (kind, parameters) = try HeaderValue.parse(dispositions[0][1])
        guard kind == "form-data" else {
            throw ParseError("part \(number) has Content-Disposition \"\(kind)\", expected form-data")
        }
        guard let name = parameters.first(where: { $0.name == "name" })?.value else {
            throw ParseError("part \(number) has no name parameter in Content-Disposition")
        }
        if parameters.contains(where: { $0.name == "filename*" }) {
            throw ParseError("part \(number) (\(name)) uses filename*, which RFC 7578 section 4.2 forbids")
        }
        let contentTypes = headers.filter { $0[0].lowercased() == "content-type" }
        guard contentTypes.count <= 1 else {
            throw ParseError("part \(number) (\(name)) has \(contentTypes.count) Content-Type headers")
        }
        return Part(
            name: name,
            filename: parameters.first { $0.name == "filename" }?.value,
            contentType: contentTypes.first?[1],
            headers: headers,
            body: Data(body)
        )
    }

    private static func parseHeaders(_ bytes: ArraySlice<UInt8>, part number: Int) throws -> [[String]] {
        if bytes.isEmpty { return [] }
        var lines: [ArraySlice<UInt8>] = []
        var rest = bytes
        while let range = rest.firstRange(of: crlf) {
            lines.append(rest[rest.startIndex..<range.lowerBound])
            rest = rest[range.upperBound...]
        }
        lines.append(rest)
        var headers: [[String]] = []
        for line in lines {
            if line.contains(10) || line.contains(13) {
                throw ParseError("part \(number) has a bare CR or LF in its headers")
            }
            // RFC 7578 allows UTF-8 in field values (e.g. file names).
            guard let text = String(validating: line, as: UTF8.self) else {
                throw ParseError("part \(number) has a header that is not UTF-8")
            }
            if let first = text.first, first == " " || first == "\t" {
                guard let last = headers.indices.last else {
                    throw ParseError("part \(number) starts its headers with a continuation line")
                }
                headers[last][1] += " " + text.trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let colon = text.firstIndex(of: ":") else {
                throw ParseError("part \(number) has a header line without a colon: \"\(text)\"")
            }
            let name = String(text[..<colon])
            guard !name.isEmpty, !name.contains(where: { $0 == " " || $0 == "\t" }) else {
                throw ParseError("part \(number) has an invalid header name \"\(name)\"")
            }
            let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers.append([name, value])
        }
        return headers
    }

    /// `type; name=value; name="quoted"` as used by Content-Type and Content-Disposition.
    private enum HeaderValue {
        static func parse(_ text: String) throws -> (String, [(name: String, value: String)]) {
            var scalars = Substring(text).unicodeScalars[...]
            let head = take(&scalars) { $0 != ";" }
            let value = String(head).trimmingCharacters(in: .whitespaces).lowercased()
            guard !value.isEmpty else { throw ParseError("empty header value \"\(text)\"") }
            var parameters: [(name: String, value: String)] = []
            while scalars.first == ";" {
                scalars.removeFirst()
                skipSpace(&scalars)
                if scalars.isEmpty { break }  // a trailing ";" is harmless
                let name = String(take(&scalars) { $0 != "=" && $0 != ";" })
                    .trimmingCharacters(in: .whitespaces).lowercased()
                guard scalars.first == "=", !name.isEmpty else {
                    throw ParseError("parameter \"\(name)\" has no value in \"\(text)\"")
                }
                scalars.removeFirst()
                skipSpace(&scalars)
                parameters.append((name, try parameterValue(&scalars, in: text)))
                skipSpace(&scalars)
                guard scalars.isEmpty || scalars.first == ";" else {
                    throw ParseError("unexpected text after parameter \"\(name)\" in \"\(text)\"")
                }
            }
            return (value, parameters)
        }

        private static func parameterValue(_ scalars: inout Substring.UnicodeScalarView.SubSequence, in text: String) throws -> String {
            guard scalars.first == "\"" else {
                let token = String(take(&scalars) { $0 != ";" && $0 != " " && $0 != "\t" })
                guard !token.isEmpty else { throw ParseError("empty parameter value in \"\(text)\"") }
                return token
            }
            scalars.removeFirst()
            var value = String.UnicodeScalarView()
            while let scalar = scalars.first {
                scalars.removeFirst()
                switch scalar {
                case "\"":
                    return String(value)
                case "\\":
                    guard let escaped = scalars.first else { break }
                    scalars.removeFirst()
                    value.append(escaped)
                default:
                    value.append(scalar)
                }
            }
            throw ParseError("unterminated quoted string in \"\(text)\"")
        }

        private static func take(
            _ scalars: inout Substring.UnicodeScalarView.SubSequence,
            while condition: (Unicode.Scalar) -> Bool
        ) -> Substring.UnicodeScalarView.SubSequence {
            let taken = scalars.prefix(while: condition)
            scalars = scalars.dropFirst(taken.count)
            return taken
        }

        private static func skipSpace(_ scalars: inout Substring.UnicodeScalarView.SubSequence) {
            _ = take(&scalars) { $0 == " " || $0 == "\t" }
        }
    }
}
