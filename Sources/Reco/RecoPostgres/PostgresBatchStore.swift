import RecoCore
import Foundation
import Logging
import PostgresNIO

/// The daily batches in PostgreSQL, in the seed's shape: embeddings as rows of
/// (`part_date`, `shop_no`, `embedding`), keyword embeddings beside them, the shop catalog and the
/// two-tower lists keyed by `part_date`, and `reco_part_dates` naming the part_dates that are
/// complete. An upload replaces a part_date's rows in one transaction and marks it complete last;
/// a download reads one complete part_date in one snapshot.
///
/// One connection per operation: batches move once a day, so a pool would only hold connections
/// open; an operation against a database that is down fails within the connect timeout.
public final class PostgresBatchStore: Sendable {
    /// Which service's batch.
    public enum Dataset: String, Sendable, CaseIterable {
        /// Similarity's shop and keyword embeddings.
        case embeddings
        /// Candidates' shop catalog and two-tower lists.
        case candidates
    }

    /// The database, as `postgres://user[:password]@host[:port]/database` with the password hidden.
    public let displayURL: String
    private let configuration: PostgresConnection.Configuration
    let logger: Logger

    /// A store at `url` (`postgres://user[:password]@host[:port]/database`; TLS off: loopback or
    /// a private network).
    public init(url: String, connectTimeout: TimeAmount = .seconds(2), logger: Logger = Logger(label: "reco.postgres")) throws {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, !host.isEmpty, let user = components.user, !user.isEmpty else {
            throw ConfigurationError("--postgres: expected postgres://user[:password]@host[:port]/database, got \"\(url)\"")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        var configuration = PostgresConnection.Configuration(
            host: host, port: components.port ?? 5432, username: user, password: components.password,
            database: database.isEmpty ? nil : database, tls: .disable)
        configuration.options.connectTimeout = connectTimeout
        self.configuration = configuration
        self.logger = logger
        displayURL = "postgres://\(user)@\(host):\(components.port ?? 5432)/\(database)"
    }

    /// Runs `body` on a new connection, closed afterwards.
    func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)
        } catch {
            throw PostgresBatchError.unreachable("\(displayURL): \(String(reflecting: error))")
        }
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Creates the tables if they are missing.
    public func migrate() async throws {
        try await withConnection { connection in
            for statement in Self.schema { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
        }
    }

    static let schema = [
        """
        CREATE TABLE IF NOT EXISTS reco_part_dates (
          dataset text NOT NULL, part_date text NOT NULL, completed_at timestamptz NOT NULL DEFAULT now(),
          PRIMARY KEY (dataset, part_date))
        """,
        """
        CREATE TABLE IF NOT EXISTS shop_embeddings (
          part_date text NOT NULL, row_no integer NOT NULL, shop_no bigint NOT NULL, embedding real[] NOT NULL,
          PRIMARY KEY (part_date, shop_no))
        """,
        """
        CREATE TABLE IF NOT EXISTS keyword_embeddings (
          part_date text NOT NULL, row_no integer NOT NULL, keyword text NOT NULL, embedding real[] NOT NULL,
          PRIMARY KEY (part_date, row_no))
        """,
        """
        CREATE TABLE IF NOT EXISTS shops (
          part_date text NOT NULL, row_no integer NOT NULL, shop_no bigint NOT NULL, name text NOT NULL,
          category text NOT NULL, latitude double precision NOT NULL, longitude double precision NOT NULL,
          delivery_radius_m double precision NOT NULL, popularity double precision NOT NULL,
          PRIMARY KEY (part_date, shop_no))
        """,
        """
        CREATE TABLE IF NOT EXISTS two_tower_candidates (
          part_date text NOT NULL, user_id text NOT NULL, shop_nos bigint[] NOT NULL, scores real[] NOT NULL,
          PRIMARY KEY (part_date, user_id))
        """,
    ]

    /// The complete part_dates of `dataset`, oldest first.
    public func completePartDates(_ dataset: Dataset) async throws -> [String] {
        try await withConnection { connection in
            let rows = try await connection.query(
                "SELECT part_date FROM reco_part_dates WHERE dataset = \(dataset.rawValue) ORDER BY part_date", logger: logger)
            var partDates: [String] = []
            for try await partDate in rows.decode(String.self) { partDates.append(partDate) }
            return partDates
        }
    }
}

/// Why a batch could not be moved to or from PostgreSQL.
public enum PostgresBatchError: Error, CustomStringConvertible, Sendable {
    /// No connection: the database is down, refuses us, or did not answer within the timeout.
    case unreachable(String)
    /// The rows of a part_date do not make a batch (vectors of different lengths, arrays that
    /// do not match).
    case inconsistent(String)

    /// The error for a log line or a status message.
    public var description: String {
        switch self {
        case .unreachable(let reason): "PostgreSQL unreachable: \(reason)"
        case .inconsistent(let reason): "PostgreSQL batch inconsistent: \(reason)"
        }
    }
}
