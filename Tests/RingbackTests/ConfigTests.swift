import Foundation
import Ringback
import RingbackCore
import Testing

@Suite struct ConfigTests {
    static let minimal = """
        owner: { name: "Acme Plumbing", email: owner@example.com, timezone: America/Chicago }
        intake:
          - { path: ./spool, layout: plain }
        mail:
          from: "Ringback <voicemail@example.com>"
          to: [owner@example.com]
        """

    func error(_ yaml: String, environment: [String: String] = [:]) -> ConfigError? {
        do {
            _ = try PipelineConfig.parse(yaml, environment: environment)
            return nil
        } catch {
            return error
        }
    }

    @Test func theCommittedPipelineLoadsAndIsTheEmbeddedDefault() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../pipeline.yml").standardizedFileURL
        let config = try PipelineConfig.load(from: file, environment: [:])
        let root = file.deletingLastPathComponent().path
        #expect(config.intake.first?.path == root + "/spool")
        #expect(config.ledger == root + "/var/ringback.sqlite")
        #expect(config.mail.maildir == root + "/var/outbox")
        #expect(config.quarantine == root + "/var/rejected")
        #expect(config.mail.transport.name == "maildir")
        #expect(config.transcription.engines.map(\.kind) == [.whisper])
        #expect(config.transcription.engines.first?.model == root + "/models/ggml-base-q8_0.bin")
        #expect(config.callbacks.dueWithin.duration == .seconds(4 * 3600))
        #expect(config.owner.timezone.identifier == "America/Chicago")
    }

    @Test func aConfigNamingPocketsphinxIsToldWhatReplacedIt() throws {
        let failure = try #require(error(Self.minimal + "\ntranscription:\n  engines:\n    - kind: pocketsphinx\n"))
        #expect(failure.key == "transcription.engines[0].kind")
        #expect("\(failure)".contains("replaced by the offline whisper engine"))
        #expect("\(failure)".contains("kind: whisper"))
    }

    @Test func whisperSettingsAreCheckedAndBelongToWhisperAlone() throws {
        let good = try PipelineConfig.parse(
            Self.minimal
                + "\ntranscription:\n  engines:\n    - { kind: whisper, model: /m/ggml-small.bin, language: es, threads: 2, beam_size: 5, prompt: Acme }\n")
        let engine = try #require(good.transcription.engines.first)
        #expect(engine.model == "/m/ggml-small.bin" && engine.threads == 2 && engine.beamSize == 5 && engine.language == "es")
        for (line, key) in [
            "{ kind: whisper, threads: 0 }": "transcription.engines[0].threads",
            "{ kind: whisper, language: english }": "transcription.engines[0].language",
            "{ kind: openai, url: \"https://x/v1/audio/transcriptions\", model: whisper-1, beam_size: 5 }": "transcription.engines[0].beam_size",
        ] {
            #expect(error(Self.minimal + "\ntranscription:\n  engines:\n    - \(line)\n")?.key == key, "\(line)")
        }
    }

    @Test func defaultsFillWhatIsLeftOut() throws {
        let config = try PipelineConfig.parse(Self.minimal)
        #expect(config.mail.transport.name == "maildir")
        #expect(config.callbacks.dueWithin.duration == .seconds(4 * 3600))
        #expect(config.intake[0].settle.duration == .seconds(2))
        #expect(config.mail.from == MailAddress(name: "Ringback", address: "voicemail@example.com"))
    }

    @Test func retryAfterSetsTheFirstWaitAndCannotBeZero() throws {
        #expect(try PipelineConfig.parse(Self.minimal).retryAfter.duration == .seconds(30))
        #expect(try PipelineConfig.parse(Self.minimal + "\nretry_after: 2m").retryAfter.duration == .seconds(120))
        let failure = error(Self.minimal + "\nretry_after: 0s")
        #expect(failure?.key == "retry_after")
        #expect(failure?.code == .invalid)
    }

    @Test func anUnknownKeyStopsWithItsPath() {
        let failure = error(Self.minimal.replacingOccurrences(of: "to: [owner@example.com]", with: "to: [owner@example.com]\n  too: [x@y.com]"))
        #expect(failure?.code == .unknownKey)
        #expect(failure?.key == "mail.too")
        #expect(failure?.description.contains("mail.too") == true)
    }

    @Test func aTypoInANestedListItemNamesTheIndex() {
        let failure = error(Self.minimal.replacingOccurrences(of: "layout: plain", with: "layuot: plain"))
        #expect(failure?.key == "intake[0].layuot")
    }

    @Test func aWrongTypeNamesTheKey() {
        let failure = error(Self.minimal + "\ncallbacks: { due_within: [4h] }")
        #expect(failure?.key == "callbacks.due_within")
    }

    @Test func aMissingRequiredValueNamesTheKey() {
        let failure = error(Self.minimal.replacingOccurrences(of: "  from: \"Ringback <voicemail@example.com>\"\n", with: ""))
        #expect(failure?.code == .missing)
        #expect(failure?.key == "mail.from")
    }

    @Test(arguments: ["100ms", "2s", "30m", "4h", "1h30m"])
    func durationsAreWrittenTheWayPeopleWriteThem(text: String) throws {
        let config = try PipelineConfig.parse(Self.minimal + "\ncallbacks: { due_within: \(text) }")
        #expect(config.callbacks.dueWithin == ConfigDuration(parsing: text))
        #expect(config.callbacks.dueWithin.description == text || text == "1h30m")
    }

    @Test func aBadDurationSaysHowToWriteOne() {
        let failure = error(Self.minimal + "\ncallbacks: { due_within: soon }")
        #expect(failure?.key == "callbacks.due_within")
        #expect(failure?.message.contains("30m") == true)
    }

    @Test func secretsComeFromTheEnvironmentAndNeverPrint() throws {
        let yaml =
            Self.minimal + """

                  transport: smtp
                  smtp: { url: "smtp://mail.example.com:587", username: u, password: "${SMTP_PASSWORD}" }
                """
        let config = try PipelineConfig.parse(yaml, environment: ["SMTP_PASSWORD": "hunter2"])
        let password = try #require(config.mail.smtp?.password)
        #expect(password.value == "hunter2")
        #expect("\(password)" == "<redacted>")
        #expect(!String(describing: config).contains("hunter2"))
        #expect(!String(reflecting: config).contains("hunter2"))
    }

    @Test func anUnsetSecretStopsOnlyWhereItIsUsed() throws {
        let unused = Self.minimal + "\n  smtp: { url: \"smtp://mail.example.com:587\", password: \"${SMTP_PASSWORD}\" }"
        #expect(error(unused) == nil)
        let used = unused.replacingOccurrences(of: "to: [owner@example.com]", with: "to: [owner@example.com]\n  transport: smtp")
        let failure = error(used)
        #expect(failure?.code == .unsetVariable)
        #expect(failure?.key == "mail.smtp.password")
        #expect(failure?.message.contains("SMTP_PASSWORD") == true)
    }

    @Test func starttlsIsRequiredUnlessTurnedOffExplicitly() throws {
        let base = Self.minimal + "\n  transport: smtp\n  smtp: { url: \"smtp://mail.example.com:587\" }"
        #expect(try PipelineConfig.parse(base).mail.smtp?.starttls == .required)
        let off = base.replacingOccurrences(of: ":587\" }", with: ":587\", starttls: none }")
        #expect(try PipelineConfig.parse(off).mail.smtp?.starttls == SMTPConfig.StartTLS.none)
        #expect(error(base.replacingOccurrences(of: ":587\" }", with: ":587\", starttls: maybe }"))?.key == "mail.smtp.starttls")
    }

    @Test func anOpenAIEngineNeedsAURLAndAModel() {
        let engines = "\ntranscription:\n  engines:\n    - { kind: openai, url: \"https://api.openai.com/v1/audio/transcriptions\" }"
        #expect(error(Self.minimal + engines)?.key == "transcription.engines[0].model")
        #expect(error(Self.minimal + "\ntranscription: { engines: [ { kind: magic } ] }")?.key == "transcription.engines[0].kind")
    }

    @Test func anUnknownTimeZoneIsRefused() {
        #expect(error(Self.minimal.replacingOccurrences(of: "America/Chicago", with: "Mars/Olympus"))?.key == "owner.timezone")
    }

    @Test func invalidYAMLIsASyntaxError() {
        #expect(error("owner: [unclosed")?.code == .syntax)
    }
}
