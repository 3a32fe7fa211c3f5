import Foundation
import RingbackAudio
import RingbackTesting
import Testing

/// A PBX without a Ringback of its own pushes its voicemail to `ringback watch` over HTTP, with the committed
/// `contrib/push` scripts (bash and curl) as Asterisk's `externnotify` runs them.
extension WatchTests {
    static let pushScripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../contrib/push").standardized

    /// Runs a `contrib/push` script with the settings it reads from the environment; returns its exit status.
    func runPushScript(_ name: String, _ arguments: [String], port: Int, tokenFile: URL) throws -> Int32 {
        let process = Process()
        process.executableURL = Self.pushScripts.appendingPathComponent(name)
        process.arguments = arguments
        process.environment = [
            "PATH": "/usr/bin:/bin", "RINGBACK_PUSH_CONF": "/nonexistent", "RINGBACK_PUSH_URL": "http://127.0.0.1:\(port)/v1/voicemails",
            "RINGBACK_PUSH_TOKEN_FILE": tokenFile.path, "RINGBACK_PUSH_STATE": folder.url.appendingPathComponent("push-state").path,
            "ASTERISK_VOICEMAIL_SPOOL": folder.url.appendingPathComponent("asterisk").path,
        ]
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// Asterisk leaves message `n` in mailbox 1001: the recording, then the sidecar with its msg_id.
    func leaveAsteriskMessage(_ n: Int, callerID: String) throws {
        let inbox = folder.url.appendingPathComponent("asterisk/default/1001/INBOX")
        try FileManager.default.createDirectory(at: inbox, withIntermediateDirectories: true)
        let name = String(format: "msg%04d", n)
        let origtime = Int(Date().timeIntervalSince1970)
        try AudioFixture.write(inbox.appendingPathComponent(name + ".wav"), seconds: 3, signal: .noise(amplitude: 0.3))
        try Data(AudioFixture.asteriskSidecar(callerID: callerID, origtime: origtime, msgID: "\(origtime)-\(n)", duration: 3).utf8)
            .write(to: inbox.appendingPathComponent(name + ".txt"))
    }

    func pushed() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: folder.url.appendingPathComponent("push-state/pushed").path)) ?? []
    }

    @Test func aPBXPushesItsVoicemailAndARetriedUploadMakesNoSecondCard() async throws {
        let token = "site-a-0123456789abcdef0123456789"
        try folder.write(
            """
            owner: { name: Acme, email: owner@example.com, timezone: America/Chicago }
            intake:
              - { path: ./pushed, layout: plain, settle: 1s }
            mail: { from: "Ringback <voicemail@example.com>", to: [owner@example.com] }
            web:
              listen: 127.0.0.1:0
              push: { folder: ./pushed, tokens: { site-a: "${PBX_SITE_A_TOKEN}" }, max_bytes: 2000000 }
            """, to: "pipeline.yml")
        try FileManager.default.createDirectory(at: folder.url.appendingPathComponent("pushed"), withIntermediateDirectories: true)
        let tokenFile = try folder.write(token + "\n", to: "push-token")
        let process = try RingbackCLI.start(["watch", "--config", "pipeline.yml"], in: folder.url, environment: ["PBX_SITE_A_TOKEN": token])
        defer { if process.isRunning { process.terminate() } }
        let port = try await listeningPort()

        // Two messages, each announced by externnotify: each pushed once, each carded once.
        try leaveAsteriskMessage(0, callerID: #""Maria Lopez" <+15551230000>"#)
        #expect(try runPushScript("asterisk-externnotify", ["default", "1001", "1", "0", "0"], port: port, tokenFile: tokenFile) == 0)
        try await waitFor(timeout: .seconds(30)) { cards == 1 }
        try leaveAsteriskMessage(1, callerID: #""Chen Wei" <+13105550123>"#)
        #expect(try runPushScript("asterisk-externnotify", ["default", "1001", "2", "0", "0"], port: port, tokenFile: tokenFile) == 0)
        try await waitFor(timeout: .seconds(30)) { cards == 2 && pushed().count == 2 }
        let subjects = try FileManager.default.contentsOfDirectory(at: folder.url.appendingPathComponent("var/outbox/new"), includingPropertiesForKeys: nil)
            .map { try String(contentsOf: $0, encoding: .utf8) }
        #expect(subjects.contains { $0.contains("Maria Lopez") } && subjects.contains { $0.contains("Chen Wei") })

        // The PBX loses its record of what it pushed and pushes both again: Ringback already has them.
        try FileManager.default.removeItem(at: folder.url.appendingPathComponent("push-state/pushed"))
        #expect(try runPushScript("asterisk-externnotify", ["default", "1001", "2", "0", "0"], port: port, tokenFile: tokenFile) == 0)
        try await waitFor(timeout: .seconds(30)) { pushed().count == 2 }
        try await Task.sleep(for: .seconds(3))
        #expect(cards == 2, "a retried upload makes no second card")

        // A wrong token is refused (401) and the message is listed for --retry-failed; nothing is stored.
        let wrong = try folder.write("not-the-token-of-any-pbx-at-all\n", to: "wrong-token")
        let audio = folder.url.appendingPathComponent("asterisk/default/1001/INBOX/msg0000.wav")
        let sidecar = audio.deletingPathExtension().appendingPathExtension("txt")
        #expect(try runPushScript("ringback-push", [audio.path, sidecar.path], port: port, tokenFile: wrong) == 1)
        let failed = try String(contentsOf: folder.url.appendingPathComponent("push-state/failed"), encoding: .utf8)
        #expect(failed.hasPrefix(audio.path))
        // Once the token is right, the failed list drains: Ringback has that message already (200).
        try Data((token + "\n").utf8).write(to: wrong)
        #expect(try runPushScript("ringback-push", ["--retry-failed"], port: port, tokenFile: wrong) == 0)
        #expect(!FileManager.default.fileExists(atPath: folder.url.appendingPathComponent("push-state/failed").path))

        let stored = try FileManager.default.contentsOfDirectory(atPath: folder.url.appendingPathComponent("pushed").path)
        #expect(stored.filter { $0.hasSuffix(".wav") }.count == 2, "\(stored)")
        #expect(stored.allSatisfy { !$0.hasSuffix(".part") }, "no half-written upload is left behind")
        #expect(try logText().contains("voicemail pushed"))
        try await Task.sleep(for: .seconds(2))
        #expect(cards == 2)
        try await stop(process)
    }
}
