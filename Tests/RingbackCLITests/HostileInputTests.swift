import Foundation
import RingbackTesting
import Testing

/// Paths and values an adversary can put in a drop folder, against a running `watch`: none is opened when it is not
/// a regular file, none stops the rest, and none reaches a card or a log line as it was written.
extension WatchTests {
    @Test func hostilePathsAreRejectedWithoutBeingOpenedAndTheRestIsCarded() async throws {
        try writeConfig()
        let process = try startWatching()
        defer { if process.isRunning { process.terminate() } }
        let spool = folder.url.appendingPathComponent("spool")
        let manager = FileManager.default

        // Not regular files: a FIFO (opening it would wait for a writer forever), a socket, links that loop, lead
        // out of the drop folder or to nothing.
        #expect(mkfifo(spool.appendingPathComponent("fifo.wav").path, 0o644) == 0)
        // A real recording whose sidecar is a FIFO: reading the sidecar would wait forever too.
        try AudioFixture.write(spool.appendingPathComponent("fifo-sidecar.wav"), seconds: 2)
        #expect(mkfifo(spool.appendingPathComponent("fifo-sidecar.txt").path, 0o644) == 0)
        let socket = Process()
        socket.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        socket.arguments = ["-c", "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", spool.appendingPathComponent("socket.wav").path]
        try socket.run()
        socket.waitUntilExit()
        try manager.createSymbolicLink(atPath: spool.appendingPathComponent("loop-a.wav").path, withDestinationPath: "loop-b.wav")
        try manager.createSymbolicLink(atPath: spool.appendingPathComponent("loop-b.wav").path, withDestinationPath: "loop-a.wav")
        try manager.createSymbolicLink(atPath: spool.appendingPathComponent("outside.wav").path, withDestinationPath: "/etc/passwd")
        try manager.createSymbolicLink(atPath: spool.appendingPathComponent("dangling.wav").path, withDestinationPath: "gone.wav")
        // A sparse 2 GB file: nothing on disk, 2 GB to copy. Bad input, recorded by path, not copied.
        let sparse = spool.appendingPathComponent("sparse.wav")
        _ = manager.createFile(atPath: sparse.path, contents: nil)
        let handle = try FileHandle(forWritingTo: sparse)
        try handle.truncate(atOffset: 2 << 30)
        try handle.close()

        // Good voicemails: a link to a recording inside the drop folder is followed; a sidecar from the year 10000;
        // a caller name full of controls; a file name with a line break that tries to forge a log line.
        let hidden = spool.appendingPathComponent(".store")
        try manager.createDirectory(at: hidden, withIntermediateDirectories: true)
        try AudioFixture.write(hidden.appendingPathComponent("kept.wav"), seconds: 1.5)
        try manager.createSymbolicLink(atPath: spool.appendingPathComponent("link-inside.wav").path, withDestinationPath: ".store/kept.wav")
        try AudioFixture.write(spool.appendingPathComponent("future.wav"), seconds: 2)
        try AudioFixture.asteriskSidecar(origtime: 253_402_300_800, msgID: "future-1").write(
            to: spool.appendingPathComponent("future.txt"), atomically: true, encoding: .utf8)
        try AudioFixture.write(spool.appendingPathComponent("controls.wav"), seconds: 2.5)
        try AudioFixture.asteriskSidecar(callerID: "\"Eve\u{202E}lin\u{1B}[31m\u{9B}2J\u{2066}Ltd\" <5559870000>", msgID: "controls-1").write(
            to: spool.appendingPathComponent("controls.txt"), atomically: true, encoding: .utf8)
        try AudioFixture.write(spool.appendingPathComponent("evil\nrejected forged=yes.wav"), seconds: 3)
        // A name that is not UTF-8 (Latin-1 "café"): Foundation cannot even name it; it is renamed and carded.
        let latin1 = try AudioFixture.write(folder.url.appendingPathComponent("cafe.wav"), seconds: 3.5)
        let bytesName = Array(spool.path.utf8) + Array("/caf".utf8) + [0xE9] + Array(".wav".utf8)
        #expect(rename(latin1.path, bytesName.map { CChar(bitPattern: $0) } + [0]) == 0)

        let quarantine = folder.url.appendingPathComponent("var/rejected")
        func note(_ name: String) -> String { (try? String(contentsOf: quarantine.appendingPathComponent(name + ".reason.txt"), encoding: .utf8)) ?? "" }
        let refused = ["fifo.wav", "fifo-sidecar.wav", "socket.wav", "loop-a.wav", "loop-b.wav", "outside.wav", "dangling.wav", "sparse.wav"]
        try await waitFor(timeout: .seconds(60)) { cards >= 5 && refused.allSatisfy { !note($0).isEmpty } }
        try await Task.sleep(for: .seconds(2))
        #expect(process.isRunning, "a FIFO or a link never stops the watcher")
        #expect(cards == 5, "the link inside the drop folder, the year-10000 sidecar, the controls and the two odd names are carded")

        #expect(note("fifo.wav").contains("FIFO") && note("fifo.wav").contains("never opened"), "\(note("fifo.wav"))")
        #expect(note("socket.wav").contains("socket"), "\(note("socket.wav"))")
        #expect(note("fifo-sidecar.wav").contains("fifo-sidecar.txt, beside it"), "\(note("fifo-sidecar.wav"))")
        #expect(note("loop-a.wav").contains("loop"), "\(note("loop-a.wav"))")
        #expect(note("outside.wav").contains("outside the drop folders"), "\(note("outside.wav"))")
        #expect(!manager.fileExists(atPath: quarantine.appendingPathComponent("outside.wav").path), "/etc/passwd is not copied")
        #expect(note("dangling.wav").contains("to nothing"), "\(note("dangling.wav"))")
        #expect(note("sparse.wav").contains("copied: no: 2147483648 bytes"), "\(note("sparse.wav"))")
        #expect(!manager.fileExists(atPath: quarantine.appendingPathComponent("sparse.wav").path), "2 GB are not copied")

        // The card of the caller with controls: none of them in any part.
        let outbox = folder.url.appendingPathComponent("var/outbox/new")
        let messages = try manager.contentsOfDirectory(atPath: outbox.path).map { try Data(contentsOf: outbox.appendingPathComponent($0)) }
        let eve = try #require(
            messages.first { String(decoding: $0, as: UTF8.self).contains("Eve") },
            "\(messages.map { String(decoding: $0.prefix(1500), as: UTF8.self) })")
        for bytes: [UInt8] in [[0xE2, 0x80, 0xAE], [0x1B], [0xC2, 0x9B], [0xE2, 0x81, 0xA6]] {
            #expect(eve.firstRange(of: Data(bytes)) == nil, "no \(bytes) in the card")
        }
        let text = String(decoding: eve, as: UTF8.self)
        #expect(text.contains("Eve lin [31m 2J Ltd") || text.contains("Eve lin [31m 2J=\r\n Ltd"), "the name, each control a space")

        // The year-10000 voicemail is stored with a time the ledger reads back; the CLI lists every callback.
        let list = try await RingbackCLI.run(["callbacks", "list", "--all", "--json", "--config", "pipeline.yml"], in: folder.url)
        #expect(list.status == 0, "\(list.stderr)")
        let callbacks = try #require(try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]])
        #expect(callbacks.count == 5)

        // The file name with a line break is one log line, the break written as \u{a}.
        let log = try logText()
        #expect(log.contains("evil\\u{a}rejected forged=yes.wav"), "\(log.suffix(3000))")
        #expect(!log.split(separator: "\n").contains { $0.hasPrefix("rejected forged=yes") }, "no forged log line")
        // The name that is not UTF-8: the rename logged with the old name shown byte by byte.
        #expect(log.contains("renamed a file whose name is not UTF-8") && log.contains("caf\\xE9.wav"), "\(log.suffix(3000))")
        #expect(manager.fileExists(atPath: spool.appendingPathComponent("caf%E9.wav").path))
        try await stop(process)
    }
}

extension WatchTests {
    /// The ledger deleted under a running watch: the next voicemail stops it with a message that says so, instead of
    /// writing on into a file nobody will open again; `check` then reports the ledger missing and does not create one.
    @Test func aLedgerDeletedWhileWatchingStopsTheWatchAndCheckNeverCreatesOne() async throws {
        try writeConfig()
        let process = try startWatching()
        defer { if process.isRunning { process.terminate() } }
        try dropAtOnce(3, prefix: "first")
        try await waitFor(timeout: .seconds(60)) { cards >= 3 }
        let ledger = folder.url.appendingPathComponent("var/ringback.sqlite")
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: ledger.path + suffix) }
        try dropAtOnce(2, prefix: "after")
        try await waitFor(timeout: .seconds(30)) { !process.isRunning }
        #expect(!process.isRunning && process.terminationStatus != 0, "watch stops")
        let log = try logText()
        #expect(log.contains("deleted or replaced"), "\(log.suffix(2000))")
        #expect(cards == 3, "nothing carded from a ledger nobody will read")

        let check = try await RingbackCLI.run(["check", "--config", "pipeline.yml"], in: folder.url)
        #expect(check.stdout.contains("not there yet") && check.stdout.contains("it was deleted"), "\(check.stdout)")
        #expect(!FileManager.default.fileExists(atPath: ledger.path), "check never creates a ledger")
    }
}
