import Foundation
import Hummingbird
import RingbackCore

extension LinkServer {
    /// `POST /v1/voicemails`: a PBX pushes one voicemail as `multipart/form-data` with an `audio` part (its filename
    /// says the format) and an optional `metadata` part (an Asterisk `msgNNNN.txt`, or Ringback's JSON sidecar),
    /// with `Authorization: Bearer <its token>`. The upload is streamed to disk, stored durably in `web.push.folder`,
    /// then acknowledged: `202` stored, or `200` when the ledger already holds that voicemail (a retried upload makes
    /// no second card). `401` without a known token, `413` over `max_bytes`, `400`/`415` for a malformed upload, each
    /// with the reason in JSON.
    func addPushRoutes(to router: Router<BasicRequestContext>) {
        if let push { UploadStore.sweep(URL(fileURLWithPath: push.folder), now: now()) }
        router.post("v1/voicemails") { request, _ -> Response in
            guard let push = self.push else { return Response(status: .notFound) }
            guard let pbx = push.pbx(authorization: request.headers[.authorization]) else {
                return Self.json(.unauthorized, ["error": "a PBX token is needed: Authorization: Bearer <web.push.tokens entry>"])
            }
            if let length = request.headers[.contentLength].flatMap(Int64.init), length > push.maxBytes {
                return Self.json(.contentTooLarge, ["error": "\(length) bytes is over web.push.max_bytes (\(push.maxBytes))"])
            }
            guard var reader = MultipartReader(contentType: request.headers[.contentType] ?? "") else {
                return Self.json(
                    .unsupportedMediaType,
                    ["error": "send multipart/form-data: audio=@msg0001.wav and, optionally, metadata=@msg0001.txt (curl -F)"])
            }
            let result = await self.receive(request.body, reader: &reader, push: push, pbx: pbx)
            return Self.json(result.status, result.body)
        }
    }

    private struct Received {
        var status: HTTPResponse.Status
        var body: [String: Any]
    }

    private func receive(_ body: RequestBody, reader: inout MultipartReader, push: PushConfig, pbx: String) async -> Received {
        let folder = URL(fileURLWithPath: push.folder)
        var audio: UploadStore?
        var filename: String?
        var metadata: [UInt8] = []
        var current: String?
        var total: Int64 = 0
        func refuse(_ status: HTTPResponse.Status, _ why: String) -> Received {
            audio?.discard()
            return Received(status: status, body: ["error": why])
        }
        do {
            for try await chunk in body {
                total += Int64(chunk.readableBytes)
                if total > push.maxBytes { return refuse(.contentTooLarge, "over web.push.max_bytes (\(push.maxBytes) bytes)") }
                for event in try reader.feed(chunk.readableBytesView) {
                    switch event {
                    case .part(let name, let given, _):
                        current = name
                        guard name == "audio" else { continue }
                        guard audio == nil else { return refuse(.badRequest, "two audio parts: one voicemail per upload") }
                        audio = try UploadStore(folder: folder)
                        filename = given
                    case .data(let bytes):
                        if current == "audio" {
                            try audio?.write(bytes)
                        } else if current == "metadata" {
                            metadata += bytes
                            if metadata.count > 64 << 10 { return refuse(.badRequest, "the metadata part is over 64 KB") }
                        }
                    case .partEnd:
                        current = nil
                    }
                }
            }
            try reader.finish()
        } catch let failure as MultipartReader.Failure {
            return refuse(.badRequest, failure.description)
        } catch let error as IntakeError {
            logger.error("cannot store a pushed voicemail", metadata: ["pbx": "\(pbx)", "error": "\(error)"])
            return refuse(.serviceUnavailable, "Ringback cannot store uploads right now; try again")
        } catch {
            return refuse(.badRequest, "the upload was cut off")
        }
        guard let audio else { return refuse(.badRequest, "no audio part (curl -F audio=@msg0001.wav)") }
        let ext = (filename.map { URL(fileURLWithPath: $0).pathExtension.lowercased() }) ?? ""
        guard AudioExtensions.all.contains(ext) else {
            return refuse(.unsupportedMediaType, "the audio part's filename must end in one of .\(AudioExtensions.all.sorted().joined(separator: ", ."))")
        }
        let isJSON = metadata.first(where: { $0 != 32 && $0 != 9 && $0 != 10 && $0 != 13 }) == UInt8(ascii: "{")
        let messageID =
            isJSON ? nil : (try? AsteriskSidecar(data: Data(metadata), path: "metadata"))?.messageID
        // PBXs count their messages alike: the id is kept within the PBX's name, in the stored sidecar too, so the
        // same message pushed to any node is one voicemail and another PBX's is another.
        let identity = messageID.map { VoicemailIdentity(source: .asteriskMessageID, value: "\(pbx)/\($0)") } ?? audio.contentIdentity
        if let messageID { metadata = Self.sidecar(metadata, messageID: "\(pbx)/\(messageID)") }
        if let known = try? await ledger.voicemail(key: identity.key) {
            audio.discard()
            return Received(status: .ok, body: ["status": "duplicate", "voicemail_id": known.id ?? 0, "key": identity.key])
        }
        // One name per message and PBX: a retried upload replaces its own earlier copy, never adds a second.
        let stem = "\(pbx)-\(identity.token)"
        do {
            try audio.commit(stem: stem, audioExtension: ext, sidecar: metadata, sidecarExtension: isJSON ? "json" : "txt")
        } catch {
            logger.error("cannot store a pushed voicemail", metadata: ["pbx": "\(pbx)", "error": "\(error)"])
            return refuse(.serviceUnavailable, "Ringback cannot store uploads right now; try again")
        }
        logger.info("voicemail pushed", metadata: ["pbx": "\(pbx)", "file": "\(stem).\(ext)", "bytes": "\(audio.size)"])
        return Received(status: .accepted, body: ["status": "stored", "file": "\(stem).\(ext)", "key": identity.key, "bytes": audio.size])
    }

    /// The Asterisk sidecar with its `msg_id` line replaced.
    static func sidecar(_ bytes: [UInt8], messageID: String) -> [UInt8] {
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.trimmingCharacters(in: .whitespaces).hasPrefix("msg_id=") ? "msg_id=\(messageID)" : String(line)
        }
        return Array(lines.joined(separator: "\n").utf8)
    }

    static func json(_ status: HTTPResponse.Status, _ body: [String: Any]) -> Response {
        let data = (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data("{}".utf8)
        var headers: HTTPFields = [.contentType: "application/json"]
        if status == .unauthorized { headers[.wwwAuthenticate] = "Bearer" }
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
