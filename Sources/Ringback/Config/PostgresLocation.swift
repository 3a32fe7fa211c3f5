public import Foundation

/// `ledger: postgres://user@host:5432/ringback?sslmode=verify-full`, read: where the shared ledger is and how to reach
/// it. The password comes from the URL (best as `${RINGBACK_DB_PASSWORD}`) or `PGPASSWORD`; it is never shown.
public struct PostgresLocation: Sendable, Equatable {
    /// libpq's names. `prefer` and `allow` fall back to plain text without saying so, and are refused.
    public enum TLSMode: String, Sendable, CaseIterable {
        case disable
        /// Encrypted, the certificate not checked.
        case require
        /// Encrypted, the certificate checked against the trusted roots, the host name not.
        case verifyCA = "verify-ca"
        /// Encrypted, the certificate and the host name checked: the default.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// `sslrootcert=PATH`: the CA that signed the server's certificate, when it is not one the system trusts.
    public var rootCertificate: String?

    /// Whether `ledger:` names a database server rather than a SQLite file.
    public static func isURL(_ value: String) -> Bool { scheme(of: value) != nil }

    static func scheme(of value: String) -> Substring? {
        value.range(of: "^[A-Za-z][A-Za-z0-9+.-]*://", options: .regularExpression).map { value[$0].dropLast(3) }
    }

    /// Reads the URL; the error names what is wrong and never repeats the password.
    public init(url value: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws(PostgresLocationError) {
        guard let scheme = Self.scheme(of: value) else { throw .init("is not a URL") }
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw .init("is a \(scheme):// URL; the ledger is a SQLite file (a path) or PostgreSQL (postgres://user@host:5432/ringback)")
        }
        guard let components = URLComponents(string: value), let host = components.host, !host.isEmpty else {
            throw .init("is not a URL Ringback can read: write postgres://user@host:5432/ringback (percent-encode special characters)")
        }
        self.host = host
        port = components.port ?? 5432
        user = components.user ?? environment["PGUSER"] ?? "ringback"
        password = components.password ?? environment["PGPASSWORD"]
        if let password, password.isEmpty { self.password = nil }
        var database = components.path
        while database.hasPrefix("/") { database.removeFirst() }
        self.database = database.isEmpty ? user : database
        tls = .verifyFull
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = TLSMode(rawValue: item.value ?? "") else {
                    throw .init(
                        "sslmode=\(item.value ?? "") is not one Ringback uses: verify-full (the default), verify-ca, require or disable"
                            + ((item.value == "prefer" || item.value == "allow") ? " (prefer and allow fall back to plain text silently)" : ""))
                }
                tls = mode
            case "sslrootcert":
                rootCertificate = item.value
            case "application_name", "connect_timeout":
                break
            default:
                throw .init("has a parameter Ringback does not know: \(item.name) (known: sslmode, sslrootcert)")
            }
        }
    }

    /// `postgres://user@host:port/database`: for messages, never with the password.
    public var shown: String { "postgres://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)" }
}

public struct PostgresLocationError: Error, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
