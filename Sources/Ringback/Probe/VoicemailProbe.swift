public import Foundation
public import RingbackAudio

/// Everything Ringback learns about one recording before it does anything with it.
public struct VoicemailProbe: Sendable, Codable {
    public var path: String
    public var identity: VoicemailIdentity
    public var audio: AudioProbe
    public var caller: CallerID
    public var receivedAt: Date
    /// Where `receivedAt` came from: `sidecar` (origtime) or `mtime`.
    public var receivedSource: String
    public var sidecarPath: String?
    public var sidecar: AsteriskSidecar?
    public var isUrgent: Bool

    /// Probes a file: sidecar first (a malformed one is bad input), then every frame of the audio.
    public static func probe(_ url: URL) throws(VoicemailProbeError) -> VoicemailProbe {
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
        let sidecarURL = url.deletingPathExtension().appendingPathExtension("txt")
        var sidecar: AsteriskSidecar?
        if FileManager.default.fileExists(atPath: sidecarURL.path) {
            do throws(IntakeError) {
                sidecar = try AsteriskSidecar(contentsOf: sidecarURL)
            } catch {
                throw .intake(error)
            }
        }
        let audio: AudioProbe
        do throws(AudioError) {
            audio = try AudioProbe(url: url)
        } catch {
            throw .audio(error)
        }
        let identity: VoicemailIdentity
        if let messageID = sidecar?.messageID {
            identity = VoicemailIdentity(source: .asteriskMessageID, value: messageID)
        } else {
            do throws(IntakeError) {
                identity = try VoicemailIdentity.contentHash(of: url)
            } catch {
                throw .intake(error)
            }
        }
        let mtime = (attributes[.modificationDate] as? Date) ?? Date()
        return VoicemailProbe(
            path: path,
            identity: identity,
            audio: audio,
            caller: sidecar?.callerID ?? .unknown,
            receivedAt: sidecar?.originTime ?? mtime,
            receivedSource: sidecar?.originTime == nil ? "mtime" : "sidecar",
            sidecarPath: sidecar == nil ? nil : sidecarURL.path,
            sidecar: sidecar,
            isUrgent: sidecar?.isUrgent ?? false
        )
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
