import Foundation
import RingbackCore

extension SetupCheck {
    /// `callbacks.cdr`: readable, and its latest calls from outside numbers are in `inbound_contexts`, or no missed
    /// call would ever be seen. The contexts found are listed, so the admin can copy the right ones.
    func callRecords(_ cdr: CDRConfig) -> Item {
        let subject = "callbacks.cdr \(cdr.path)"
        guard FileManager.default.isReadableFile(atPath: cdr.path), let handle = FileHandle(forReadingAtPath: cdr.path) else {
            return Item(subject: subject, ok: false, detail: "not readable: no missed calls, and callbacks cannot close from call records")
        }
        defer { try? handle.close() }
        // The last 256 kB (about a thousand calls) is enough to see which contexts the PBX uses.
        let size = (try? handle.seekToEnd()) ?? 0
        let start = size > 262_144 ? size - 262_144 : 0
        try? handle.seek(toOffset: start)
        var lines = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self).split(separator: "\n")
        if start > 0, !lines.isEmpty { lines.removeFirst() }  // cut mid-line
        guard let format = try? cdr.recordFormat(ownerTimeZone: config.owner.timezone) else {
            return Item(subject: subject, ok: false, detail: "the columns cannot be read")
        }
        var contexts: [String: Int] = [:]
        for line in lines {
            guard let call = format.record(line),
                PhoneNumber(parsing: call.source, country: config.owner.country, dialPrefixes: config.owner.dialPrefixes).e164 != nil
            else { continue }
            contexts[call.context, default: 0] += 1
        }
        let seen = contexts.sorted { $0.value > $1.value }.prefix(6).map { "\($0.key.isEmpty ? "(empty)" : $0.key) \($0.value)" }
        let inbound = contexts.filter { cdr.inboundContexts.contains($0.key) }.values.reduce(0, +)
        let total = contexts.values.reduce(0, +)
        guard total > 0 else { return Item(subject: subject, ok: true, detail: "readable (\(cdr.format.rawValue)); no calls from outside numbers in it yet") }
        guard inbound > 0 else {
            return Item(
                subject: subject, ok: false,
                detail: "readable, but none of its last \(total) calls from outside numbers is in callbacks.cdr.inbound_contexts, so no missed call "
                    + "would be seen; contexts in the file: \(seen.joined(separator: ", "))")
        }
        return Item(
            subject: subject, ok: true,
            detail:
                "readable (\(cdr.format.rawValue)); \(inbound) of its last \(total) calls from outside numbers are inbound (contexts: \(seen.joined(separator: ", ")))"
        )
    }
}
