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

    /// "Several machines": a node of site `a` on the shared ledger reads its PBX's ids within `a`, and pushed ones
    /// within the PBX's name (not the node's), so a PBX may push to any node.
    @Test func theReadmeClusterExampleParsesAsWritten() throws {
        let block = try ReadmeExampleTests.example("cluster")
        let config = try parse(block, environment: ["PBX_NORTH_TOKEN": String(repeating: "n", count: 32)]).get()
        #expect(config.site == "a")
        #expect(config.sharedSite == "a")
        #expect(try PostgresLocation(url: config.ledger).tls == .verifyFull)
        #expect(config.intake.map(\.namespace) == ["a", nil])
        #expect(config.literalSecrets.isEmpty)
        #expect(config.localFolder.hasSuffix("/var"), "mail being sent and archives stay on this machine")
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

    /// Taken as a file name, a URL used to make a SQLite file called `postgres:`: now PostgreSQL's is the shared
    /// ledger, any other is refused by name, and no message repeats the password.
    @Test func aLedgerURLIsPostgreSQLOrRefusedByNameWithoutItsPassword() throws {
        let intake = "intake:\n  - { path: ./spool }\n"
        #expect(failure(intake + "ledger: \"postgres://ringback:s3cret@db.example.com:5432/ringback\"\n") == "parsed")
        let mysql = failure(intake + "ledger: \"mysql://ringback:s3cret@db/ringback\"\n")
        #expect(mysql.hasPrefix("ledger: is a mysql:// URL; the ledger is a SQLite file (a path) or PostgreSQL"), "\(mysql)")
        #expect(!mysql.contains("s3cret"))
        let prefer = failure(intake + "ledger: \"postgres://ringback:s3cret@db/ringback?sslmode=prefer\"\n")
        #expect(prefer.contains("sslmode=prefer is not one Ringback uses") && prefer.contains("fall back to plain text"), "\(prefer)")
        #expect(!prefer.contains("s3cret"))
        #expect(failure(intake + "ledger: \"postgres://db/ringback?sslcert=x\"\n").contains("a parameter Ringback does not know: sslcert"))
        #expect(failure(intake + "ledger: ./var/ringback.sqlite\n") == "parsed")

        let location = try PostgresLocation(url: "postgres://ringback:s3cret@db.example.com/calls", environment: [:])
        #expect(location.tls == .verifyFull, "TLS is verified unless the URL says otherwise")
        #expect(location.port == 5432)
        #expect(location.shown == "postgres://ringback@db.example.com:5432/calls")
        let fromEnvironment = try PostgresLocation(url: "postgres://ringback@db/calls", environment: ["PGPASSWORD": "p"])
        #expect(fromEnvironment.password == "p")
        guard case .success(let config) = parse(intake + "ledger: \"postgres://ringback:s3cret@db.example.com/calls\"\n") else { return }
        #expect(config.literalSecrets == ["ledger"], "a password written into the URL is flagged like any literal secret")
        #expect(LedgerStore.shown(config) == "postgres://ringback@db.example.com:5432/calls")
    }
}
