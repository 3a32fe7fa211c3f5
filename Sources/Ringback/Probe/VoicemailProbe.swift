public import Foundation
public import RingbackAudio
public import RingbackCore

/// Everything Ringback learns about one voicemail before it does anything with it.
public struct VoicemailProbe: Sendable, Codable {
    /// The recording actually read (the best format that decodes).
    public var path: String
    /// Every file of the message, best first.
    public var formats: [String]
    public var identity: VoicemailIdentity
    public var audio: AudioProbe
    public var metadata: VoicemailMetadata
    public var receivedAt: Date
    public var receivedSource: String

    public var caller: CallerID { metadata.caller }
    public var isUrgent: Bool { metadata.isUrgent }
    public var sidecarPath: String? { metadata.sidecarPath }

    /// A recording too short to hold a message, or only line noise: a missed call, not a voicemail.
    public func isMissedCall(minSeconds: Double) -> Bool {
        Double(audio.durationMilliseconds) < minSeconds * 1000 || audio.isSilent
    }

    /// Probes a source: the best format that decodes (every frame read), then the layout's metadata.
    public static func probe(_ source: VoicemailSource, layout: any VoicemailLayout) throws(VoicemailProbeError) -> VoicemailProbe {
        var firstError: VoicemailProbeError?
        for candidate in [source.audio] + source.alternates {
            do throws(VoicemailProbeError) {
                return try probe(candidate, of: source, layout: layout)
            } catch {
                if case .intake = error { throw error }  // metadata problems are the same for every format
                firstError = firstError ?? error
            }
        }
        throw firstError ?? .intake(.unreadable(path: source.audio.path, reason: "no readable recording"))
    }

    private static func probe(_ url: URL, of source: VoicemailSource, layout: any VoicemailLayout) throws(VoicemailProbeError) -> VoicemailProbe {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .intake(.unreadable(path: path, reason: "no such file"))
        }
        guard !isDirectory.boolValue else { throw .intake(.unreadable(path: path, reason: "is a directory, not a recording")) }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
            throw .intake(.unreadable(path: path, reason: "cannot read file attributes"))
        }
        if (attributes[.size] as? NSNumber)?.intValue == 0 {
            throw .audio(.empty(path: path, reason: "zero-byte file"))
        }
        let audio: AudioProbe
        do throws(AudioError) {
            audio = try AudioProbe(url: url)
        } catch {
            throw .audio(error)
        }
        let metadata: VoicemailMetadata
        do throws(IntakeError) {
            metadata = try layout.metadata(for: source, audio: audio)
        } catch {
            throw .intake(error)
        }
        let identity: VoicemailIdentity
        if let given = metadata.identity {
            identity = given.within(source.intake.namespace)
        } else {
            do throws(IntakeError) {
                identity = try VoicemailIdentity.contentHash(of: url)
            } catch {
                throw .intake(error)
            }
        }
        // A date no voicemail can have (year 10000 in a sidecar, a file from 1970) is not stored: the next plausible one
        // is used, and the card's source of the time says why.
        let now = Date()
        let mtime = (attributes[.modificationDate] as? Date).flatMap { WallClock.plausible($0, now: now) ? $0 : nil } ?? now
        var receivedAt = mtime
        var receivedSource = "mtime"
        if let given = metadata.receivedAt {
            if WallClock.plausible(given, now: now) {
                (receivedAt, receivedSource) = (given, metadata.receivedSource)
            } else {
                receivedSource = "mtime; the \(metadata.receivedSource) date (\(given.timeIntervalSince1970) s since 1970) is not plausible"
            }
        }
        return VoicemailProbe(
            path: path, formats: ([source.audio] + source.alternates).map(\.path), identity: identity, audio: audio, metadata: metadata,
            receivedAt: receivedAt, receivedSource: receivedSource)
    }
}

/// Why a file is bad input: the audio or the metadata beside it.
public enum VoicemailProbeError: Error, Sendable, CustomStringConvertible {
    case audio(AudioError)
    case intake(IntakeError)

    public var code: String {
        switch self {
        case .audio(let error): error.code
        case .intake(let error): error.code
        }
    }

    public var path: String {
        switch self {
        case .audio(let error): error.path
        case .intake(let error): error.path
        }
    }

    public var reason: String {
        switch self {
        case .audio(let error): error.description.dropPathPrefix(error.path)
        case .intake(let error): error.reason
        }
    }

    public var description: String { "\(path): \(reason)" }
}

extension String {
    fileprivate func dropPathPrefix(_ path: String) -> String {
        hasPrefix(path + ": ") ? String(dropFirst(path.count + 2)) : self
    }
}
