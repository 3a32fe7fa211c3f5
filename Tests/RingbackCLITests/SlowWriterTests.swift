import Foundation
import RingbackAudio
import RingbackTesting
import Testing

/// Writers slower than `settle`, and sidecars whose recording never comes, against a running `watch`.
extension WatchTests {
    /// Three writes 3 s apart with `settle: 1s`: a WAV copied piece by piece is waited for (its header promises more)
    /// and carded once, whole; a raw GSM file appended in three goes is carded once, and its growth is logged instead
    /// of carded again. A sidecar with no recording is reported once.
    @Test func aSlowWriterGetsOneCardAndALonelySidecarIsReported() async throws {
        try folder.write(
            """
            owner: { name: Acme, email: owner@example.com, timezone: America/Chicago }
            intake:
              - { path: ./spool, layout: plain, settle: 1s, orphan_after: 20s }
            mail: { from: "Ringback <voicemail@example.com>", to: [owner@example.com] }
            """, to: "pipeline.yml")
        let process = try startWatching()
        defer { if process.isRunning { process.terminate() } }
        let spool = folder.url.appendingPathComponent("spool")
        let staging = folder.url.appendingPathComponent("staging")
        let wav = try Data(
            contentsOf: AudioFixture.write(staging.appendingPathComponent("copied.wav"), seconds: 6, signal: .noise(amplitude: 0.3)))
        let gsm = try Data(contentsOf: AudioFixture.write(staging.appendingPathComponent("appended.gsm"), format: .rawGSM, seconds: 6))
        func pieces(_ data: Data, unit: Int) -> [Data] {
            let third = data.count / 3 / unit * unit
            return [data.prefix(third), data.dropFirst(third).prefix(third), data.dropFirst(2 * third)]
        }
        let wavPieces = pieces(wav, unit: 2)
        let gsmPieces = pieces(gsm, unit: 33)
        _ = FileManager.default.createFile(atPath: spool.appendingPathComponent("copied.wav").path, contents: nil)
        _ = FileManager.default.createFile(atPath: spool.appendingPathComponent("appended.gsm").path, contents: nil)
        try Data("{\"caller_number\": \"5551230000\"}".utf8).write(to: spool.appendingPathComponent("lonely.json"))
        for index in 0..<3 {
            // Each piece in its own open, write, close: every close is a "finished writing" event.
            for (name, piece) in [("copied.wav", wavPieces[index]), ("appended.gsm", gsmPieces[index])] {
                let handle = try FileHandle(forWritingTo: spool.appendingPathComponent(name))
                try handle.seekToEnd()
                try handle.write(contentsOf: piece)
                try handle.close()
            }
            try await Task.sleep(for: .seconds(3))
        }
        try await waitFor(timeout: .seconds(30)) { cards >= 2 && ((try? logText().contains("has no recording beside it")) ?? false) }
        try await Task.sleep(for: .seconds(3))
        #expect(cards == 2, "one card for each file, however it was written")

        let list = try await RingbackCLI.run(["callbacks", "list", "--all", "--json", "--config", "pipeline.yml"], in: folder.url)
        let callbacks = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(callbacks.count == 2)
        let log = try logText()
        #expect(!log.contains("damaged recording"), "the WAV was waited for and carded whole, not as damaged: \(log.suffix(3000))")
        #expect(log.contains("a file grew after its card went out") && log.contains("raise the intake's settle"), "\(log.suffix(3000))")
        #expect(log.components(separatedBy: "has no recording beside it").count == 2, "the lonely sidecar is reported once")
        try await stop(process)
    }
}
