import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Ringback
import RingbackCore
import RingbackTesting
import Testing

/// `POST /v1/voicemails` as a PBX's script meets it: what is stored, what is refused and why.
@Suite struct PushRouteTests {
    static let token = "site-a-0123456789abcdef0123456789"

    static func multipart(audio: [UInt8]?, filename: String = "msg0001.wav", metadata: String? = nil, close: Bool = true) -> ByteBuffer {
        var body = ""
        var bytes: [UInt8] = []
        if let audio {
            body += "--B0undary\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"\(filename)\"\r\nContent-Type: audio/wav\r\n\r\n"
            bytes += Array(body.utf8) + audio
            body = "\r\n"
        }
        if let metadata { body += "--B0undary\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n\(metadata)\r\n" }
        if close { body += "--B0undary--\r\n" }
        return ByteBuffer(bytes: bytes + Array(body.utf8))
    }

    @Test func anUploadIsStoredBeforeTheAnswerAndEachRefusalSaysWhy() async throws {
        var harness = try Harness()
        var web = WebConfig(publicURL: nil, secret: nil)
        web.push = PushConfig(folder: harness.spool.path, tokens: ["site-a": Secret(Self.token)], maxBytes: 400_000)
        harness.config.web = web
        let pipeline = try harness.pipeline()
        let spool = harness.spool
        let server = LinkServer(ledger: pipeline.ledger, web: web, owner: harness.config.owner)
        let recording = harness.folder.url.appendingPathComponent("msg0001.wav")
        try AudioFixture.write(recording, seconds: 3, signal: .noise(amplitude: 0.3))
        let audio = Array(try Data(contentsOf: recording))
        let sidecar = AudioFixture.asteriskSidecar(callerID: #""Maria Lopez" <+15551230000>"#, origtime: 1_795_000_000, msgID: "1795000000-1")
        let form: HTTPFields = [.contentType: "multipart/form-data; boundary=B0undary", .authorization: "Bearer \(Self.token)"]
        @Sendable func json(_ response: TestResponse) -> [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]) ?? [:]
        }
        // A crash mid-upload left a part file two hours ago: the listener clears it when it starts; a fresh one stays.
        let stale = spool.appendingPathComponent(".upload-stale.part")
        let fresh = spool.appendingPathComponent(".upload-fresh.part")
        for file in [stale, fresh] { _ = FileManager.default.createFile(atPath: file.path, contents: Data("RIFF".utf8)) }
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-7200)], ofItemAtPath: stale.path)
        _ = server.application(host: "127.0.0.1", port: 0, logger: Harness.logger)
        #expect(!FileManager.default.fileExists(atPath: stale.path))
        #expect(FileManager.default.fileExists(atPath: fresh.path))
        try FileManager.default.removeItem(at: fresh)
        try await server.application(host: "127.0.0.1", port: 0, logger: Harness.logger).test(.router) { client in
            let anonymous = try await client.execute(uri: "/v1/voicemails", method: .post, body: Self.multipart(audio: audio))
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.headers[.wwwAuthenticate] == "Bearer")
            var wrong = form
            wrong[.authorization] = "Bearer site-b-0123456789abcdef0123456789"
            #expect(try await client.execute(uri: "/v1/voicemails", method: .post, headers: wrong, body: Self.multipart(audio: audio)).status == .unauthorized)
            var plain = form
            plain[.contentType] = "audio/wav"
            let notForm = try await client.execute(uri: "/v1/voicemails", method: .post, headers: plain, body: ByteBuffer(bytes: audio))
            #expect(notForm.status == .unsupportedMediaType)
            #expect((json(notForm)["error"] as? String)?.contains("multipart/form-data") == true)
            let big = try await client.execute(
                uri: "/v1/voicemails", method: .post, headers: form,
                body: Self.multipart(audio: audio + audio + audio + audio + audio + audio + audio + audio + audio))
            #expect(big.status == .contentTooLarge)
            let cut = try await client.execute(uri: "/v1/voicemails", method: .post, headers: form, body: Self.multipart(audio: audio, close: false))
            #expect(cut.status == .badRequest)
            #expect((json(cut)["error"] as? String)?.contains("cut off") == true)
            let text = try await client.execute(uri: "/v1/voicemails", method: .post, headers: form, body: Self.multipart(audio: audio, filename: "notes.txt"))
            #expect(text.status == .unsupportedMediaType)
            #expect(
                try await client.execute(uri: "/v1/voicemails", method: .post, headers: form, body: Self.multipart(audio: nil, metadata: sidecar)).status
                    == .badRequest)
            #expect(try FileManager.default.contentsOfDirectory(atPath: spool.path).isEmpty, "nothing refused is kept, no part file left")

            let stored = try await client.execute(uri: "/v1/voicemails", method: .post, headers: form, body: Self.multipart(audio: audio, metadata: sidecar))
            #expect(stored.status == .accepted)
            let file = try #require(json(stored)["file"] as? String)
            #expect(json(stored)["key"] as? String == "msg_id:site-a/1795000000-1", "the PBX's message id, within its name: PBXs count alike")
            // On disk, whole, before the answer: the recording byte for byte, the sidecar beside it.
            #expect(Array(try Data(contentsOf: spool.appendingPathComponent(file))) == audio)
            let storedSidecar = try String(
                contentsOf: spool.appendingPathComponent(file).deletingPathExtension().appendingPathExtension("txt"), encoding: .utf8)
            #expect(storedSidecar.contains("\nmsg_id=site-a/1795000000-1\n") && storedSidecar.contains("callerid="), "\(storedSidecar)")
            #expect(await pipeline.process(spool.appendingPathComponent(file)).status == .notified)
            let again = try await client.execute(uri: "/v1/voicemails", method: .post, headers: form, body: Self.multipart(audio: audio, metadata: sidecar))
            #expect(again.status == .ok)
            #expect(json(again)["status"] as? String == "duplicate")
            #expect(json(again)["voicemail_id"] as? Int == 1)
        }
        #expect(try harness.cards().count == 1)
        #expect(try FileManager.default.contentsOfDirectory(atPath: harness.spool.path).sorted().count == 2, "the recording and its sidecar, once")
    }
}
