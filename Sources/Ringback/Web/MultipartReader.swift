import Foundation

/// `multipart/form-data` (RFC 7578) read as it arrives: each part's name, then its bytes in pieces, so an upload of any
/// size goes to disk without ever being whole in memory. Only what a voicemail upload needs: no nested multiparts,
/// no transfer encodings inside parts.
struct MultipartReader {
    enum Event: Equatable {
        /// A part begins: its form field name, the filename it was sent with, its `Content-Type`.
        case part(name: String, filename: String?, contentType: String?)
        case data([UInt8])
        /// The part that began last has ended.
        case partEnd
    }

    enum Failure: Error, Equatable, CustomStringConvertible {
        case noBoundary
        case headersTooLong
        case malformedHeaders(String)
        /// The body ended before the closing boundary: cut off.
        case truncated

        var description: String {
            switch self {
            case .noBoundary: "Content-Type must be multipart/form-data with a boundary"
            case .headersTooLong: "a part's headers are longer than 8 KB"
            case .malformedHeaders(let why): "a part's headers are malformed: \(why)"
            case .truncated: "the upload ended before its closing boundary (cut off?)"
            }
        }
    }

    private enum State { case preamble, headers, body, done }

    private let delimiter: [UInt8]
    private var state = State.preamble
    private var buffer: [UInt8] = []

    /// Nil unless `contentType` is `multipart/form-data` with a `boundary` of 1 to 70 characters.
    init?(contentType: String) {
        let fields = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard fields.first?.lowercased() == "multipart/form-data",
            let parameter = fields.dropFirst().first(where: { $0.lowercased().hasPrefix("boundary=") })
        else { return nil }
        var boundary = String(parameter.dropFirst("boundary=".count))
        if boundary.hasPrefix("\""), boundary.hasSuffix("\""), boundary.count >= 2 { boundary = String(boundary.dropFirst().dropLast()) }
        guard (1...70).contains(boundary.utf8.count) else { return nil }
        // Searching for CRLF--boundary everywhere; the first one may come without its CRLF, which `feed` supplies.
        delimiter = Array("\r\n--\(boundary)".utf8)
    }

    var isDone: Bool { state == .done }

    /// What the bytes received so far complete. Bytes that may begin a boundary are held back until the next call.
    mutating func feed(_ bytes: some Sequence<UInt8>) throws(Failure) -> [Event] {
        if state == .preamble, buffer.isEmpty { buffer = [13, 10] }  // the body may open with the boundary itself
        guard state != .done else { return [] }  // the epilogue is ignored
        buffer.append(contentsOf: bytes)
        var events: [Event] = []
        while true {
            switch state {
            case .preamble:
                guard let found = buffer.firstRange(of: delimiter) else {
                    buffer.removeFirst(max(0, buffer.count - delimiter.count))
                    return events
                }
                switch afterDelimiter(found.upperBound) {
                case .needMore: return events
                case .notOne: buffer.removeFirst(found.lowerBound + 1)
                case .delimiter(let consumed, let closing):
                    buffer.removeFirst(consumed)
                    state = closing ? .done : .headers
                }
            case .headers:
                guard let end = buffer.firstRange(of: [13, 10, 13, 10]) else {
                    if buffer.count > 8192 { throw .headersTooLong }
                    return events
                }
                let text = String(decoding: buffer[..<end.lowerBound], as: UTF8.self)
                buffer.removeFirst(end.upperBound)
                events.append(try Self.part(from: text))
                state = .body
            case .body:
                guard let found = buffer.firstRange(of: delimiter) else {
                    let safe = max(0, buffer.count - delimiter.count)
                    if safe > 0 {
                        events.append(.data(Array(buffer[..<safe])))
                        buffer.removeFirst(safe)
                    }
                    return events
                }
                switch afterDelimiter(found.upperBound) {
                case .needMore:
                    if found.lowerBound > 0 {
                        events.append(.data(Array(buffer[..<found.lowerBound])))
                        buffer.removeFirst(found.lowerBound)
                    }
                    return events
                case .notOne:
                    // The boundary's text followed by more of a longer word: data, searched again past its start.
                    events.append(.data(Array(buffer[...found.lowerBound])))
                    buffer.removeFirst(found.lowerBound + 1)
                case .delimiter(let consumed, let closing):
                    if found.lowerBound > 0 { events.append(.data(Array(buffer[..<found.lowerBound]))) }
                    events.append(.partEnd)
                    buffer.removeFirst(consumed)
                    state = closing ? .done : .headers
                }
            case .done:
                buffer = []
                return events
            }
        }
    }

    /// Throws unless the closing boundary came: the body was cut off.
    func finish() throws(Failure) {
        guard state == .done else { throw .truncated }
    }

    private enum Next {
        case delimiter(consumed: Int, closing: Bool)
        /// The boundary's text, then something a delimiter line cannot have: part of the data.
        case notOne
        case needMore
    }

    /// After the boundary's text: `--` closes the body; optional spaces and CRLF start the next part's headers;
    /// anything else means it was not a delimiter at all.
    private func afterDelimiter(_ index: Int) -> Next {
        guard buffer.count >= index + 2 else { return .needMore }
        if buffer[index] == UInt8(ascii: "-"), buffer[index + 1] == UInt8(ascii: "-") { return .delimiter(consumed: index + 2, closing: true) }
        var cursor = index
        while cursor < buffer.count, buffer[cursor] == UInt8(ascii: " ") || buffer[cursor] == UInt8(ascii: "\t") { cursor += 1 }
        guard buffer.count >= cursor + 2 else { return .needMore }
        guard buffer[cursor] == 13, buffer[cursor + 1] == 10 else { return .notOne }
        return .delimiter(consumed: cursor + 2, closing: false)
    }

    /// `Content-Disposition: form-data; name="audio"; filename="msg0001.wav"` and `Content-Type`.
    private static func part(from headers: String) throws(Failure) -> Event {
        var name: String?
        var filename: String?
        var contentType: String?
        for line in headers.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { throw .malformedHeaders("no colon in \"\(line.prefix(80))\"") }
            let field = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch field {
            case "content-disposition":
                for parameter in value.split(separator: ";").dropFirst() {
                    let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                    guard pair.count == 2 else { continue }
                    let unquoted = pair[1].hasPrefix("\"") && pair[1].hasSuffix("\"") && pair[1].count >= 2 ? String(pair[1].dropFirst().dropLast()) : pair[1]
                    switch pair[0].lowercased() {
                    case "name": name = unquoted
                    case "filename": filename = unquoted
                    default: break
                    }
                }
            case "content-type": contentType = value
            default: break
            }
        }
        guard let name else { throw .malformedHeaders("a part without Content-Disposition: form-data; name=…") }
        return .part(name: name, filename: filename, contentType: contentType)
    }
}
