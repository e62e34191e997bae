import RecoCandidates
import RecoCore
import RecoSimilarity
import Foundation
import NIOCore
import NIOPosix
import PostgresNIO

extension PostgresBatchStore {
    /// What an upload wrote.
    public struct UploadSummary: Sendable, Equatable {
        /// Which batch.
        public var dataset: Dataset
        /// The part_date it was uploaded as.
        public var partDate: String
        /// Rows written, all tables of the dataset together.
        public var rows: Int
    }

    /// Uploads the batch folder `folder` (one part_date of `dataset`, in the format of
    /// docs/data-format.md) as `partDate`: the folder is first loaded as the service would load it,
    /// so a batch the service would refuse is refused here, naming file, line and field. The
    /// part_date's old rows are replaced in one transaction, and the part_date is marked complete
    /// only after it has committed.
    public func upload(folder: String, dataset: Dataset, partDate: String) async throws -> UploadSummary {
        guard PartDateDirectory.isWellFormed(partDate) else { throw PartDateError.malformed(partDate) }
        // Loading and formatting a batch is seconds of CPU: on NIO's blocking pool, not on a
        // thread of Swift's cooperative pool (which every task of the process shares).
        let tables = try await NIOThreadPool.singleton.runIfActive {
            try Self.copyData(folder: folder, dataset: dataset, partDate: partDate)
        }
        let rows = tables.reduce(0) { $0 + $1.rows }
        try await withConnection { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                // Not complete while its rows change: a reader never takes half of a re-upload.
                try await connection.query(
                    "DELETE FROM reco_part_dates WHERE dataset = \(dataset.rawValue) AND part_date = \(partDate)", logger: logger)
                for table in tables {
                    try await connection.query(
                        PostgresQuery(unsafeSQL: "DELETE FROM \(table.name) WHERE part_date = $1", binds: Self.binds(partDate)), logger: logger)
                    try await connection.copyFrom(table: table.name, columns: table.columns, logger: logger) { writer in
                        var offset = 0
                        // In pieces, so a large batch streams instead of sitting in one buffer twice.
                        while offset < table.text.count {
                            let end = min(offset + (1 << 20), table.text.count)
                            try await writer.write(ByteBuffer(bytes: table.text[offset..<end]))
                            offset = end
                        }
                    }
                }
                try await connection.query("COMMIT", logger: logger)
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
            try await connection.query(
                "INSERT INTO reco_part_dates (dataset, part_date) VALUES (\(dataset.rawValue), \(partDate)) ON CONFLICT (dataset, part_date) DO UPDATE SET completed_at = now()",
                logger: logger)
        }
        return UploadSummary(dataset: dataset, partDate: partDate, rows: rows)
    }

    private static func binds(_ partDate: String) -> PostgresBindings {
        var binds = PostgresBindings()
        binds.append(partDate)
        return binds
    }

    /// One table's rows in COPY's text format.
    struct CopyTable {
        var name: String
        var columns: [String]
        var text: [UInt8]
        var rows: Int
    }

    /// The folder's rows per table, after loading it as the service would.
    static func copyData(folder: String, dataset: Dataset, partDate: String) throws -> [CopyTable] {
        switch dataset {
        case .embeddings:
            let table = try EmbeddingTable.load(directory: folder, partDate: partDate)
            let shops = try NumpyFloatMatrix.read(path: folder + "/shops.npy")
            let keywords = try NumpyFloatMatrix.read(path: folder + "/keywords.npy")
            var shopText = CopyText()
            for (row, id) in table.shopIds.enumerated() {
                shopText.row([partDate, "\(row)", "\(id)", CopyText.array(shops.values[row * shops.columns..<(row + 1) * shops.columns])])
            }
            var keywordText = CopyText()
            for (row, keyword) in table.keywords.enumerated() {
                keywordText.row([partDate, "\(row)", keyword, CopyText.array(keywords.values[row * keywords.columns..<(row + 1) * keywords.columns])])
            }
            return [
                CopyTable(name: "shop_embeddings", columns: ["part_date", "row_no", "shop_no", "embedding"], text: shopText.bytes, rows: table.shopIds.count),
                CopyTable(name: "keyword_embeddings", columns: ["part_date", "row_no", "keyword", "embedding"], text: keywordText.bytes, rows: table.keywords.count),
            ]
        case .candidates:
            let batch = try CandidateBatch.load(directory: folder, partDate: partDate)
            var shopText = CopyText()
            for (row, shop) in batch.catalog.shops.enumerated() {
                shopText.row([
                    partDate, "\(row)", "\(shop.shopId)", shop.name, shop.category, "\(shop.location?.latitude ?? 0)",
                    "\(shop.location?.longitude ?? 0)", "\(shop.deliveryRadiusM)", "\(shop.popularity)",
                ])
            }
            var listText = CopyText()
            for (user, list) in batch.twoTowerLists.sorted(by: { $0.key < $1.key }) {
                listText.row([partDate, user, CopyText.array(list.map(\.shopId)), CopyText.array(list.map(\.score))])
            }
            return [
                CopyTable(
                    name: "shops",
                    columns: ["part_date", "row_no", "shop_no", "name", "category", "latitude", "longitude", "delivery_radius_m", "popularity"],
                    text: shopText.bytes, rows: batch.catalog.shops.count),
                CopyTable(name: "two_tower_candidates", columns: ["part_date", "user_id", "shop_nos", "scores"], text: listText.bytes, rows: batch.twoTowerLists.count),
            ]
        }
    }
}

/// Rows in PostgreSQL COPY's text format: fields separated by tabs, rows by newlines, with
/// backslash escapes for the characters that would break either.
struct CopyText {
    private(set) var bytes: [UInt8] = []

    mutating func row(_ fields: [String]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: "\t")) }
            for byte in field.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
                case UInt8(ascii: "\t"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
                case UInt8(ascii: "\n"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
                case UInt8(ascii: "\r"): bytes += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
                default: bytes.append(byte)
                }
            }
        }
        bytes.append(UInt8(ascii: "\n"))
    }

    /// An array literal (`{1,2.5}`) of numbers, each printed so it reads back exactly.
    static func array<Numbers: Sequence>(_ values: Numbers) -> String where Numbers.Element: CustomStringConvertible {
        "{" + values.map(\.description).joined(separator: ",") + "}"
    }
}
