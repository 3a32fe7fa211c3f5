import Foundation
import Ringback
import RingbackCore
import Testing

/// `web.push` and `ledger` as an admin writes them: what parses, and what is refused by name.
@Suite struct PushConfigTests {
    static let base = """
        owner: { name: "Acme Plumbing", email: owner@example.com, timezone: America/Chicago }
        mail: { from: "Ringback <voicemail@example.com>", to: [owner@example.com] }

        """

    func parse(_ yaml: String, environment: [String: String] = [:]) -> Result<PipelineConfig, ConfigError> {
        do throws(ConfigError) {
            return .success(try PipelineConfig.parse(Self.base + yaml, environment: environment))
        } catch {
            return .failure(error)
        }
    }

    func failure(_ yaml: String) -> String {
        guard case .failure(let error) = parse(yaml) else { return "parsed" }
        return "\(error.key): \(error.message)"
    }

    @Test func theReadmeExampleParsesAsWritten() throws {
        let block = try ReadmeExampleTests.example("push")
        let environment = ["PBX_SITE_A_TOKEN": String(repeating: "a", count: 32), "PBX_SITE_B_TOKEN": String(repeating: "b", count: 32)]
        let config = try parse(block, environment: environment).get()
        let push = try #require(config.web?.push)
        #expect(push.tokens.keys.sorted() == ["site-a", "site-b"])
        #expect(push.maxBytes == 64 << 20)
        #expect(push.pbx(authorization: "Bearer " + String(repeating: "b", count: 32)) == "site-b")
        #expect(push.pbx(authorization: "Bearer " + String(repeating: "b", count: 31)) == nil)
        #expect(push.pbx(authorization: nil) == nil)
        #expect(config.literalSecrets.isEmpty)
    }

    @Test func aPushFolderThatNoIntakeReadsOrAShortTokenIsRefusedByName() {
        let intake = "intake:\n  - { path: ./spool, layout: plain }\n"
        #expect(
            failure(intake + "web: { push: { folder: ./pushed, tokens: { site-a: \"\(String(repeating: "x", count: 30))\" } } }\n").hasPrefix(
                "web.push.folder: must be one of the intake folders"))
        #expect(failure(intake + "web: { push: { folder: ./spool, tokens: { site-a: short } } }\n").hasPrefix("web.push.tokens.site-a: must be at least 24"))
        let same = String(repeating: "y", count: 30)
        #expect(failure(intake + "web: { push: { folder: ./spool, tokens: { a: \"\(same)\", b: \"\(same)\" } } }\n").contains("two PBXs share a token"))
        guard case .success(let config) = parse(intake + "web: { push: { folder: ./spool/, tokens: { site-a: \"\(same)\" } } }\n") else {
            Issue.record("a folder written with a trailing slash is the intake's")
            return
        }
        #expect(config.literalSecrets == ["web.push.tokens.site-a"], "a token written out is flagged like any literal secret")
    }

    /// Taken as a file name, `postgres://…` used to make a SQLite file called `postgres:`.
    @Test func aLedgerURLIsRefusedByNameWithoutItsPassword() {
        let intake = "intake:\n  - { path: ./spool }\n"
        let refused = failure(intake + "ledger: \"postgres://ringback:s3cret@db.example.com:5432/ringback\"\n")
        #expect(refused.hasPrefix("ledger: is a postgres:// URL, and this Ringback keeps its ledger in a SQLite file"), "\(refused)")
        #expect(!refused.contains("s3cret"))
        #expect(failure(intake + "ledger: \"mysql://db/ringback\"\n").hasPrefix("ledger: is a mysql:// URL"))
        #expect(failure(intake + "ledger: ./var/ringback.sqlite\n") == "parsed")
    }
}
