public import Foundation
public import RingbackAudio
import RingbackCore

/// Any folder of recordings. Caller details come from, in order: `NAME.json`, an Asterisk-style `NAME.txt`,
/// the filename `pattern`, the WAV INFO strings; a field missing from one place is taken from the next.
public struct PlainLayout: VoicemailLayout {
    let intake: IntakeConfig
    let owner: OwnerConfig

    public func sources(from files: [URL]) -> [VoicemailSource] {
        AudioGrouping.group(files).map { VoicemailSource(audio: $0[0], alternates: Array($0.dropFirst()), intake: intake) }
    }

    /// Still for `settle`, and no shorter than its WAV header says: a copy that pauses longer than `settle` (a slow
    /// share, a stalled upload) is waited for, up to ten times `settle` (at least 10 s, at most `orphan_after`) since
    /// its last write, then carded as damaged with what is there.
    public func readiness(of source: VoicemailSource, now: Date) -> Readiness {
        let still = settled(source.audio, settle: intake.settle, now: now)
        guard case .ready = still, let stamp = FileStamp(source.audio), let header = WAVHeader(source.audio) else { return still }
        let missing = header.missing(fileSize: UInt64(max(0, stamp.size)))
        let patience = min(intake.orphanAfter.seconds, max(10, 10 * intake.settle.seconds))
        guard missing > 0, now.timeIntervalSince1970 - stamp.modifiedAt < patience else { return .ready }
        return .waiting("its header promises \(missing) more bytes of audio: still being copied")
    }

    public func metadata(for source: VoicemailSource, audio: AudioProbe) throws(IntakeError) -> VoicemailMetadata {
        var metadata = VoicemailMetadata()
        var name: String?
        var number: String?
        var rawCaller: String?
        let stem = source.audio.deletingPathExtension()

        let json = stem.appendingPathExtension("json")
        if FileManager.default.fileExists(atPath: json.path) {
            let sidecar = try JSONSidecar(contentsOf: json)
            name = sidecar.callerName
            number = sidecar.callerNumber
            metadata.mailbox = sidecar.mailbox
            if let received = sidecar.receivedAt {
                metadata.receivedAt = received
                metadata.receivedSource = "json"
            }
            metadata.sidecarPath = json.path
            metadata.fields = sidecar.fields
        }
        let text = stem.appendingPathExtension("txt")
        if FileManager.default.fileExists(atPath: text.path) {
            let sidecar = try AsteriskSidecar(contentsOf: text)
            if name == nil, number == nil { rawCaller = sidecar.fields["callerid"] }
            if metadata.receivedAt == nil, let origin = sidecar.originTime {
                metadata.receivedAt = origin
                metadata.receivedSource = "sidecar"
            }
            metadata.mailbox = metadata.mailbox ?? sidecar.mailbox
            metadata.identity = sidecar.messageID.map { VoicemailIdentity(source: .asteriskMessageID, value: $0) }
            metadata.isUrgent = sidecar.isUrgent
            metadata.sidecarPath = metadata.sidecarPath ?? text.path
            metadata.fields.merge(sidecar.fields) { first, _ in first }
        }
        if let pattern = intake.pattern.flatMap({ try? FilenamePattern($0) }),
            let match = pattern.match(source.audio.lastPathComponent, timeZone: owner.timezone)
        {
            if name == nil, number == nil, rawCaller == nil {
                name = match.name
                number = match.number
            }
            metadata.mailbox = metadata.mailbox ?? match.mailbox
            if metadata.receivedAt == nil, let received = match.received {
                metadata.receivedAt = received
                metadata.receivedSource = "pattern"
            }
        }
        if name == nil, number == nil, rawCaller == nil {
            rawCaller = audio.infoStrings["artist"] ?? audio.infoStrings["title"].flatMap { CallerID.containsNumber($0) ? $0 : nil }
        }
        if metadata.receivedAt == nil, let date = audio.infoStrings["date"].flatMap(Self.infoDate) {
            metadata.receivedAt = date
            metadata.receivedSource = "info"
        }
        if let rawCaller {
            metadata.caller = CallerID(parsing: rawCaller, owner: owner)
        } else if name != nil || number != nil {
            metadata.caller = CallerID(name: name, number: number, owner: owner)
        }
        return metadata
    }

    /// WAV INFO dates: ISO 8601, or `yyyy-MM-dd HH:mm:ss`; a bare date says nothing about the time of the call.
    static func infoDate(_ text: String) -> Date? {
        if let date = ISO8601DateFormatter().date(from: text) { return date }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.date(from: text)
    }
}

/// Files of one message in several formats, best first: PCM `.wav` > WAV49 `.WAV` > `.gsm` > anything else.
enum AudioGrouping {
    static func rank(_ url: URL) -> Int {
        switch url.pathExtension {
        case "wav": 0
        case "WAV": 1
        case "gsm": 2
        case "flac": 3
        default: 4
        }
    }

    static func group(_ files: [URL]) -> [[URL]] {
        var groups: [String: [URL]] = [:]
        var order: [String] = []
        for file in files {
            let key = file.deletingPathExtension().path
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(file)
        }
        return order.compactMap { groups[$0]?.sorted { (rank($0), $0.path) < (rank($1), $1.path) } }
    }
}
