import CRingbackCurl
import Foundation

/// Sends HTTP requests with libcurl: TLS verification on, no redirects (an upload cannot be rewound), no `Expect: 100-continue` stall.
public struct HTTPClient: Sendable {
    public init() {}

    public func perform(_ request: HTTPRequest) async throws(CurlError) -> HTTPResponse {
        try await Curl.offload { () throws(CurlError) -> HTTPResponse in try Self.performBlocking(request) }
    }

    /// Connects to `url`'s host (TCP, and TLS with the certificate verified for https) and hangs up without a
    /// request: for `ringback check`, which must not spend an API's quota.
    public func connect(_ url: String, caFile: String? = nil, timeout: Duration = .seconds(10)) async throws(CurlError) {
        try await Curl.offload { () throws(CurlError) in
            let handle = try EasyHandle(url: url)
            try handle.set(CURLOPT_PROTOCOLS_STR, "http,https")
            try handle.set(CURLOPT_CONNECT_ONLY, 1)
            try handle.set(CURLOPT_CONNECTTIMEOUT_MS, timeout.milliseconds)
            try handle.set(CURLOPT_TIMEOUT_MS, timeout.milliseconds)
            if let caFile { try handle.set(CURLOPT_CAINFO, caFile) }
            try handle.perform()
        }
    }

    static func performBlocking(_ request: HTTPRequest) throws(CurlError) -> HTTPResponse {
        let handle = try EasyHandle(url: request.url)
        try handle.set(CURLOPT_PROTOCOLS_STR, "http,https")
        try handle.set(CURLOPT_FOLLOWLOCATION, 0)
        try handle.set(CURLOPT_TIMEOUT_MS, request.timeout.milliseconds)
        try handle.set(CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeout.milliseconds)
        if let caFile = request.caFile { try handle.set(CURLOPT_CAINFO, caFile) }

        var headers = request.headers.map { "\($0.name): \($0.value)" }
        headers.append("Expect:")
        switch request.body {
        case .none:
            break
        case .data(let data, let contentType):
            headers.append("Content-Type: \(contentType)")
            try handle.set(CURLOPT_POSTFIELDSIZE_LARGE, offset: Int64(data.count))
            // COPYPOSTFIELDS copies POSTFIELDSIZE bytes, so binary bodies survive.
            let bytes = [UInt8](data.isEmpty ? Data([0]) : data)
            let code = bytes.withUnsafeBytes { buffer in
                CRingbackCurl_setopt_pointer(handle.raw, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: buffer.baseAddress))
            }
            try handle.check(code)
        case .file(let path, let contentType):
            headers.append("Content-Type: \(contentType)")
            try handle.streamBody(fromFile: path)
            try handle.set(CURLOPT_POST, 1)
            try handle.set(CURLOPT_POSTFIELDSIZE_LARGE, offset: try fileSize(path, url: handle.url))
        case .form(let fields):
            try handle.attach(form: fields)
        }
        try handle.set(CURLOPT_CUSTOMREQUEST, request.method)
        try handle.set(CURLOPT_HTTPHEADER, list: headers)

        let sink = ResponseSink(limit: request.maxResponseBytes)
        let context = Unmanaged.passUnretained(sink).toOpaque()
        try handle.check(CRingbackCurl_setopt_write(handle.raw, ResponseSink.bodyCallback, context))
        try handle.check(CRingbackCurl_setopt_header(handle.raw, ResponseSink.headerCallback, context))
        do {
            try withExtendedLifetime(sink) { () throws(CurlError) in try handle.perform() }
        } catch  where sink.overflowed {
            throw CurlError(code: error.code, url: handle.url, message: "response larger than \(request.maxResponseBytes) bytes")
        }
        return HTTPResponse(status: handle.responseCode ?? 0, headers: sink.headers, body: sink.body)
    }

    static func fileSize(_ path: String, url: String) throws(CurlError) -> Int64 {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
            let size = attributes[.size] as? NSNumber
        else { throw CurlError(code: 26, url: url, message: "cannot read \(path)") }
        return size.int64Value
    }
}

/// Collects the reply for one transfer; reached from libcurl's C callbacks through an unretained pointer.
final class ResponseSink {
    private(set) var body = Data()
    private(set) var headers: [(name: String, value: String)] = []
    private(set) var overflowed = false
    private let limit: Int

    init(limit: Int) { self.limit = limit }

    static let bodyCallback: CRingbackCurl_data_callback = { buffer, size, count, context in
        guard let buffer, let context else { return 0 }
        let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
        let length = size * count
        guard sink.body.count + length <= sink.limit else {
            sink.overflowed = true
            return 0
        }
        buffer.withMemoryRebound(to: UInt8.self, capacity: length) { sink.body.append($0, count: length) }
        return length
    }

    static let headerCallback: CRingbackCurl_data_callback = { buffer, size, count, context in
        guard let buffer, let context else { return 0 }
        let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
        let length = size * count
        let line = buffer.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
        if line.hasPrefix("HTTP/") {
            sink.headers.removeAll()  // a new status line (after 100 Continue) starts a new header block
        } else if let colon = line.firstIndex(of: ":") {
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            sink.headers.append((name, value))
        }
        return length
    }
}

extension Duration {
    /// Whole milliseconds, for libcurl's `_MS` options.
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
