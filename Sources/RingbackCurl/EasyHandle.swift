import CRingbackCurl
import Foundation

/// One libcurl easy handle and everything it points to; all released in `deinit`.
///
/// A fresh handle per attempt: libcurl cannot rewind a MIME body on redirects or retries.
final class EasyHandle {
    let raw: UnsafeMutableRawPointer
    let url: String
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var lists: [UnsafeMutablePointer<curl_slist>] = []
    private var mimes: [OpaquePointer] = []
    private var files: [UnsafeMutablePointer<FILE>] = []
    /// Strings handed to options libcurl does not copy (it copies most; keeping them alive is cheap insurance).
    private var retained: [ContiguousArray<CChar>] = []

    init(url: String) throws(CurlError) {
        Curl.ensureInitialized()
        guard let raw = curl_easy_init() else {
            throw CurlError(code: 2, url: Self.redacted(url), message: "curl_easy_init failed")
        }
        self.raw = raw
        self.url = Self.redacted(url)
        let bufferSize = Int(CRingbackCurl_errorBufferSize()) + 1
        self.errorBuffer = .allocate(capacity: bufferSize)
        errorBuffer.initialize(repeating: 0, count: bufferSize)
        try check(CRingbackCurl_setopt_pointer(raw, CURLOPT_ERRORBUFFER, errorBuffer))
        try set(CURLOPT_URL, url)
        try set(CURLOPT_NOSIGNAL, 1)
    }

    deinit {
        curl_easy_cleanup(raw)
        for mime in mimes { curl_mime_free(mime) }
        for list in lists { curl_slist_free_all(list) }
        for file in files { fclose(file) }
        errorBuffer.deallocate()
    }

    func set(_ option: CURLoption, _ value: Int) throws(CurlError) {
        try check(CRingbackCurl_setopt_long(raw, option, value))
    }

    func set(_ option: CURLoption, _ value: String) throws(CurlError) {
        let bytes = ContiguousArray(value.utf8CString)
        retained.append(bytes)
        let code = bytes.withUnsafeBufferPointer { CRingbackCurl_setopt_string(raw, option, $0.baseAddress) }
        try check(code)
    }

    func set(_ option: CURLoption, offset value: Int64) throws(CurlError) {
        try check(CRingbackCurl_setopt_off(raw, option, curl_off_t(value)))
    }

    /// Sets a string list option (headers, recipients); the list lives as long as the handle.
    func set(_ option: CURLoption, list values: [String]) throws(CurlError) {
        var list: UnsafeMutablePointer<curl_slist>?
        for value in values {
            guard let appended = curl_slist_append(list, value) else {
                if let list { curl_slist_free_all(list) }
                throw CurlError(code: 27, url: url, message: "out of memory building a list")
            }
            list = appended
        }
        guard let list else { return }
        lists.append(list)
        try check(CRingbackCurl_setopt_slist(raw, option, list))
    }

    /// Feeds the request body from a file through libcurl's default reader (`fread`), streaming it from disk.
    /// The caller says how big it is (`INFILESIZE_LARGE` for SMTP, `POSTFIELDSIZE_LARGE` for HTTP).
    func streamBody(fromFile path: String) throws(CurlError) {
        let file = try open(path)
        try check(CRingbackCurl_setopt_pointer(raw, CURLOPT_READDATA, UnsafeMutableRawPointer(file)))
    }

    /// Opens a file for reading that stays open as long as the handle (for a custom read callback).
    func open(_ path: String) throws(CurlError) -> UnsafeMutablePointer<FILE> {
        guard let file = fopen(path, "rb") else {
            throw CurlError(code: 26, url: url, message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        files.append(file)
        return file
    }

    /// A multipart/form-data body; parts are added by the builder and sent with `CURLOPT_MIMEPOST`.
    func attach(form fields: [FormField]) throws(CurlError) {
        guard let mime = curl_mime_init(raw) else {
            throw CurlError(code: 27, url: url, message: "curl_mime_init failed")
        }
        mimes.append(mime)
        for field in fields {
            guard let part = curl_mime_addpart(mime) else {
                throw CurlError(code: 27, url: url, message: "curl_mime_addpart failed")
            }
            try check(curl_mime_name(part, field.name))
            switch field.content {
            case .text(let value):
                try check(curl_mime_data(part, value, CRingbackCurl_zeroTerminated()))
            case .file(let path, let filename, let contentType):
                // Streams the file at transfer time; never loaded into memory.
                try check(curl_mime_filedata(part, path))
                try check(curl_mime_filename(part, filename))
                try check(curl_mime_type(part, contentType))
            }
        }
        try check(CRingbackCurl_setopt_mime(raw, mime))
    }

    /// Runs the transfer on the calling thread.
    func perform() throws(CurlError) {
        let code = curl_easy_perform(raw)
        guard code == CURLE_OK else {
            throw CurlError(code: Int(code.rawValue), url: url, message: lastMessage(code), responseCode: responseCode)
        }
    }

    /// HTTP status or last SMTP reply code (0 when none arrived).
    var responseCode: Int? {
        var value: Int = 0
        guard CRingbackCurl_getinfo_long(raw, CURLINFO_RESPONSE_CODE, &value) == CURLE_OK, value != 0 else { return nil }
        return value
    }

    func check(_ code: CURLcode) throws(CurlError) {
        guard code == CURLE_OK else {
            throw CurlError(code: Int(code.rawValue), url: url, message: lastMessage(code))
        }
    }

    private func lastMessage(_ code: CURLcode) -> String {
        let buffered = String(cString: errorBuffer)
        if !buffered.isEmpty { return buffered }
        return curl_easy_strerror(code).map { String(cString: $0) } ?? "curl error \(code.rawValue)"
    }

    /// Drops `user:password@` from a URL so it can be logged and shown.
    static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://"), let at = url[scheme.upperBound...].firstIndex(of: "@") else { return url }
        let slash = url[scheme.upperBound...].firstIndex(of: "/") ?? url.endIndex
        guard at < slash else { return url }
        return String(url[..<scheme.upperBound]) + "***@" + String(url[url.index(after: at)...])
    }
}

/// One field of a multipart/form-data body.
public struct FormField: Sendable {
    public enum Content: Sendable {
        case text(String)
        /// Streamed from disk; `filename` and `contentType` are sent in the part's headers.
        case file(path: String, filename: String, contentType: String)
    }

    public var name: String
    public var content: Content

    public init(name: String, content: Content) {
        self.name = name
        self.content = content
    }

    public static func text(_ name: String, _ value: String) -> FormField { .init(name: name, content: .text(value)) }
}
