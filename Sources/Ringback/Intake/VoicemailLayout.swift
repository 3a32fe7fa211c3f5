public import Foundation
public import RingbackAudio
import RingbackCore

/// How one PBX lays out its voicemail. One type per PBX, each in its own file in `Intake/`.
public protocol VoicemailLayout: Sendable {
    /// Groups the files found under a folder into voicemails (one message in three formats is one source).
    func sources(from files: [URL]) -> [VoicemailSource]
    /// Whether the PBX has finished writing the message.
    func readiness(of source: VoicemailSource, now: Date) -> Readiness
    /// Caller, time, identity and routing; a malformed sidecar is bad input.
    func metadata(for source: VoicemailSource, audio: AudioProbe) throws(IntakeError) -> VoicemailMetadata
}

public enum Readiness: Sendable, Equatable {
    case ready
    /// Not yet; say why (for `ringback probe` and the logs).
    case waiting(String)
}

extension IntakeConfig {
    /// The reader for this folder's layout.
    public func reader(owner: OwnerConfig) -> any VoicemailLayout {
        switch layout {
        case .plain: PlainLayout(intake: self, owner: owner)
        case .asterisk: AsteriskLayout(intake: self, owner: owner)
        case .freeswitch: FreeSwitchLayout(intake: self, owner: owner)
        }
    }
}

extension VoicemailLayout {
    /// Plain files: ready once unchanged for `settle`.
    func settled(_ url: URL, settle: ConfigDuration, now: Date) -> Readiness {
        guard let stamp = FileStamp(url) else { return .waiting("the file is gone") }
        let age = now.timeIntervalSince1970 - stamp.modifiedAt
        return age >= settle.seconds ? .ready : .waiting("changed \(String(format: "%.1f", age)) s ago; waiting until it has been still for \(settle)")
    }
}
