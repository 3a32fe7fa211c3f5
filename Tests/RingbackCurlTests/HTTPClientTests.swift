import Foundation
import RingbackCurl
import RingbackTesting
import Testing

@Suite struct HTTPClientTests {
    @Test func anErrorStatusIsAResponseNotAThrow() async throws {
        let server = try HTTPStandIn { _ in .respond(.json(503, #"{"error":{"message":"overloaded"}}"#)) }
        defer { server.stop() }
        let response = try await HTTPClient().perform(HTTPRequest(url: server.baseURL + "/x"))
        #expect(response.status == 503)
        #expect(response.bodyText.contains("overloaded"))
        #expect(response.header("content-type") == "application/json")
    }

    @Test func aRefusedConnectionIsTransientAndNamesTheURL() async throws {
        // Bind then close a listener to find a port nobody is listening on.
        let server = try HTTPStandIn { _ in .respond(.text(200, "")) }
        let url = server.baseURL + "/gone"
        server.stop()
        let error = try await #require(throws: CurlError.self) {
            try await HTTPClient().perform(HTTPRequest(url: url, connectTimeout: .seconds(2)))
        }
        #expect(error.isTransient)
        #expect(error.url == url)
    }

    @Test func aServerThatHangsHitsTheTimeout() async throws {
        let server = try HTTPStandIn { _ in .hang(.seconds(5)) }
        defer { server.stop() }
        let error = try await #require(throws: CurlError.self) {
            try await HTTPClient().perform(HTTPRequest(url: server.baseURL, timeout: .milliseconds(300)))
        }
        #expect(error.code == 28)
        #expect(error.isTransient)
    }

    @Test func aResetIsTransient() async throws {
        let server = try HTTPStandIn { _ in .reset }
        defer { server.stop() }
        let error = try await #require(throws: CurlError.self) { try await HTTPClient().perform(HTTPRequest(url: server.baseURL)) }
        #expect(error.isTransient)
    }

    @Test func aFileBodyIsStreamedWithItsContentTypeAndNoExpectStall() async throws {
        let folder = try TemporaryDirectory("http")
        let payload = Data((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })  // 3 MiB: above libcurl's Expect threshold
        let file = folder.url.appendingPathComponent("audio.wav")
        try payload.write(to: file)
        let server = try HTTPStandIn { _ in .respond(.text(200, "ok")) }
        defer { server.stop() }
        let response = try await HTTPClient().perform(
            HTTPRequest(method: "POST", url: server.baseURL + "/upload", body: .file(path: file.path, contentType: "audio/wav")))
        #expect(response.status == 200)
        let request = try #require(server.requests.first)
        #expect(request.method == "POST")
        #expect(request.header("Content-Type") == "audio/wav")
        #expect(request.header("Expect") == nil)
        #expect(request.body == payload)
    }

    @Test func aMultipartFormCarriesFieldsAndAFileWithFilename() async throws {
        let folder = try TemporaryDirectory("form")
        let file = folder.url.appendingPathComponent("msg0000.wav")
        try Data("RIFF-not-really".utf8).write(to: file)
        let server = try HTTPStandIn { _ in .respond(.text(200, "ok")) }
        defer { server.stop() }
        _ = try await HTTPClient().perform(
            HTTPRequest(
                method: "POST", url: server.baseURL,
                body: .form([
                    FormField(name: "file", content: .file(path: file.path, filename: "msg0000.wav", contentType: "audio/wav")),
                    .text("model", "whisper-1"),
                ])))
        let request = try #require(server.requests.first)
        let form = try MultipartForm(body: request.body, contentType: try #require(request.header("Content-Type")))
        #expect(form.part("model").map { String(decoding: $0.body, as: UTF8.self) } == "whisper-1")
        let part = try #require(form.part("file"))
        #expect(part.filename == "msg0000.wav")
        #expect(part.contentType == "audio/wav")
        #expect(part.body == Data("RIFF-not-really".utf8))
    }

    @Test func aReplyLargerThanTheLimitIsAnErrorNotUnboundedMemory() async throws {
        let server = try HTTPStandIn { _ in .respond(.text(200, String(repeating: "x", count: 100_000))) }
        defer { server.stop() }
        let error = try await #require(throws: CurlError.self) {
            try await HTTPClient().perform(HTTPRequest(url: server.baseURL, maxResponseBytes: 1000))
        }
        #expect(error.message.contains("larger than 1000"))
    }
}
