import RecoCore
import RecoSimilarity
import Foundation
import PostgresNIO

extension PostgresBatchStore {
    /// The newest complete part_date of `dataset`, or nil when there is none.
    public func newestPartDate(_ dataset: Dataset) async throws -> String? {
        try await completePartDates(dataset).last
    }

    /// Writes the complete part_date `partDate` of `dataset` into `folder` in the batch format of
    /// docs/data-format.md, `_SUCCESS` last, from one snapshot of the database. Throws
    /// `PartDateError.missing` when the part_date is not complete in the database.
    public func download(_ dataset: Dataset, partDate: String, into folder: String) async throws {
        try await withConnection { connection in
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
            // Read-only: closing the connection afterwards ends the transaction.
            let complete = try await connection.query(
                "SELECT 1 FROM reco_part_dates WHERE dataset = \(dataset.rawValue) AND part_date = \(partDate)", logger: logger)
            var found = false
            for try await _ in complete.decode(Int32.self) { found = true }
            guard found else { throw PartDateError.missing(partDate: partDate, root: displayURL + " (\(dataset.rawValue))") }
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            switch dataset {
            case .embeddings: try await downloadEmbeddings(partDate, connection: connection, into: folder)
            case .candidates: try await downloadCandidates(partDate, connection: connection, into: folder)
            }
        }
        try Data().write(to: URL(fileURLWithPath: folder + "/_SUCCESS"))
    }

    private func downloadEmbeddings(_ partDate: String, connection: PostgresConnection, into folder: String) async throws {
        var shopIds: [String] = [], shopVectors: [Float] = [], columns: Int?
        let shops = try await connection.query(
            "SELECT shop_no, embedding FROM shop_embeddings WHERE part_date = \(partDate) ORDER BY row_no", logger: logger)
        for try await (id, vector) in shops.decode((Int64, [Float]).self) {
            try Self.requireColumns(vector.count, &columns, what: "shop \(id)")
            shopIds.append("\(id)")
            shopVectors += vector
        }
        var keywords: [String] = [], keywordVectors: [Float] = []
        let keywordRows = try await connection.query(
            "SELECT keyword, embedding FROM keyword_embeddings WHERE part_date = \(partDate) ORDER BY row_no", logger: logger)
        for try await (keyword, vector) in keywordRows.decode((String, [Float]).self) {
            try Self.requireColumns(vector.count, &columns, what: "keyword \"\(keyword)\"")
            keywords.append(keyword)
            keywordVectors += vector
        }
        try (shopIds.joined(separator: "\n") + "\n").write(toFile: folder + "/shops.ids", atomically: false, encoding: .utf8)
        try (keywords.joined(separator: "\n") + "\n").write(toFile: folder + "/keywords.ids", atomically: false, encoding: .utf8)
        try NumpyFloatMatrix.write(path: folder + "/shops.npy", rows: shopIds.count, columns: columns ?? 0, values: shopVectors)
        try NumpyFloatMatrix.write(path: folder + "/keywords.npy", rows: keywords.count, columns: columns ?? 0, values: keywordVectors)
    }

    private func downloadCandidates(_ partDate: String, connection: PostgresConnection, into folder: String) async throws {
        var shops = "shop_id\tname\tcategory\tlatitude\tlongitude\tdelivery_radius_m\tpopularity\n"
        let shopRows = try await connection.query(
            "SELECT shop_no, name, category, latitude, longitude, delivery_radius_m, popularity FROM shops WHERE part_date = \(partDate) ORDER BY row_no",
            logger: logger)
        for try await (id, name, category, latitude, longitude, radius, popularity) in shopRows.decode((Int64, String, String, Double, Double, Double, Double).self) {
            shops += "\(id)\t\(name)\t\(category)\t\(latitude)\t\(longitude)\t\(radius)\t\(popularity)\n"
        }
        var lists = "user_id\tshops\n"
        let listRows = try await connection.query(
            "SELECT user_id, shop_nos, scores FROM two_tower_candidates WHERE part_date = \(partDate) ORDER BY user_id", logger: logger)
        for try await (user, ids, scores) in listRows.decode((String, [Int64], [Float]).self) {
            guard ids.count == scores.count else {
                throw PostgresBatchError.inconsistent("two_tower_candidates \(partDate) \(user): \(ids.count) shops, \(scores.count) scores")
            }
            lists += user + "\t" + zip(ids, scores).map { "\($0):\($1)" }.joined(separator: ",") + "\n"
        }
        try shops.write(toFile: folder + "/shops.tsv", atomically: false, encoding: .utf8)
        try lists.write(toFile: folder + "/two_tower.tsv", atomically: false, encoding: .utf8)
    }

    private static func requireColumns(_ count: Int, _ columns: inout Int?, what: String) throws {
        if let columns, columns != count {
            throw PostgresBatchError.inconsistent("\(what) has \(count) dimensions, the first row \(columns)")
        }
        columns = count
    }
}

/// Copies part_dates from PostgreSQL into a service's local batch folder before each load
/// (`PartDateDirectory.fetcher`): into a temporary folder first, moved into place once complete.
public struct PostgresBatchFetcher: BatchFetcher {
    /// The database.
    public let store: PostgresBatchStore
    /// Which batch this fetcher copies.
    public let dataset: PostgresBatchStore.Dataset
    /// The local `PartDateDirectory` root the part_dates are copied into.
    public let root: String

    /// Copies `dataset`'s part_dates from `store` into folders under `root`.
    public init(store: PostgresBatchStore, dataset: PostgresBatchStore.Dataset, root: String) {
        self.store = store
        self.dataset = dataset
        self.root = root
    }

    public func fetch(_ partDate: String) async throws -> String {
        if !partDate.isEmpty, !PartDateDirectory.isWellFormed(partDate) { throw PartDateError.malformed(partDate) }
        var resolved = partDate
        if resolved.isEmpty {
            guard let newest = try await store.newestPartDate(dataset) else {
                throw PartDateError.noneComplete(root: store.displayURL + " (\(dataset.rawValue))")
            }
            resolved = newest
        }
        let staging = "\(root)/.\(resolved).fetch-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: staging) }
        try await store.download(dataset, partDate: resolved, into: staging)
        let final = "\(root)/\(resolved)"
        // Batches are replaced whole: the old copy goes only once the new one is complete.
        try? FileManager.default.removeItem(atPath: final)
        try FileManager.default.moveItem(atPath: staging, toPath: final)
        return resolved
    }
}
