import RecoCore
import Foundation
import Logging

/// One part_date of embeddings: shops and keywords in one vector space, normalised at load.
public final class EmbeddingTable: PartDateBatch {
    public let partDate: String
    public let shopIds: [Int64]
    public let keywords: [String]
    let shops: VectorMatrix
    let keywordVectors: VectorMatrix
    private let shopRows: ShopRowIndex
    private let keywordRows: [String: Int32]

    public var dimensions: Int { shops.dimensions }

    public var summary: Logger.Metadata {
        ["part_date": "\(partDate)", "shops": "\(shopIds.count)", "keywords": "\(keywords.count)", "dimensions": "\(dimensions)"]
    }

    public init(partDate: String, shopIds: [Int64], shopVectors: [Float], keywords: [String], keywordVectors: [Float], dimensions: Int) throws {
        guard dimensions > 0 else { throw EmbeddingLoadError("\(partDate): dimensions must be positive") }
        guard shopVectors.count == shopIds.count * dimensions else {
            throw EmbeddingLoadError("\(partDate): \(shopIds.count) shop ids but \(shopVectors.count / dimensions) shop vectors")
        }
        guard keywordVectors.count == keywords.count * dimensions else {
            throw EmbeddingLoadError("\(partDate): \(keywords.count) keywords but \(keywordVectors.count / dimensions) keyword vectors")
        }
        self.partDate = partDate
        self.shopIds = shopIds
        self.keywords = keywords
        shops = VectorMatrix(rows: shopIds.count, dimensions: dimensions, values: shopVectors)
        self.keywordVectors = VectorMatrix(rows: keywords.count, dimensions: dimensions, values: keywordVectors)
        do {
            shopRows = try ShopRowIndex(ids: shopIds)
        } catch {
            throw EmbeddingLoadError("\(partDate): shop \(error.id) appears twice")
        }
        var keywordRows: [String: Int32] = [:]
        keywordRows.reserveCapacity(keywords.count)
        for (row, keyword) in keywords.enumerated() {
            guard keywordRows.updateValue(Int32(row), forKey: keyword) == nil else {
                throw EmbeddingLoadError("\(partDate): keyword \"\(keyword)\" appears twice")
            }
        }
        self.keywordRows = keywordRows
    }

    func shopRow(_ id: Int64) -> Int? { shopRows.row(of: id).map(Int.init) }

    /// Rows of the known candidates, and the positions (in `candidates`) they came from; unknown
    /// ids listed apart.
    func keywordRow(_ keyword: String) -> Int? { keywordRows[keyword].map(Int.init) }

    func resolve(_ candidates: [Int64]) -> (rows: [Int32], positions: [Int32], unknown: [Int64]) {
        shopRows.resolve(candidates)
    }

    /// Loads `<directory>/shops.ids`, `shops.npy`, `keywords.ids`, `keywords.npy` (see
    /// docs/data-format.md).
    public static func load(directory: String, partDate: String) throws -> EmbeddingTable {
        let shopIds = try readLines(directory + "/shops.ids").enumerated().map { line, text in
            guard let id = Int64(text) else { throw EmbeddingLoadError("\(directory)/shops.ids:\(line + 1): not a shop id: \(text)") }
            return id
        }
        let keywords = try readLines(directory + "/keywords.ids").map(KeywordNormalizer.normalize)
        let shops = try NumpyFloatMatrix.read(path: directory + "/shops.npy")
        let keywordMatrix = try NumpyFloatMatrix.read(path: directory + "/keywords.npy")
        guard shops.columns == keywordMatrix.columns || keywordMatrix.rows == 0 else {
            throw EmbeddingLoadError("\(directory): shops have \(shops.columns) dimensions, keywords \(keywordMatrix.columns)")
        }
        try requireFinite(shops.values, columns: shops.columns, file: directory + "/shops.npy")
        try requireFinite(keywordMatrix.values, columns: keywordMatrix.columns, file: directory + "/keywords.npy")
        guard shopIds.count == shops.rows else {
            throw EmbeddingLoadError("\(directory): shops.ids has \(shopIds.count) ids, shops.npy \(shops.rows) rows")
        }
        guard keywords.count == keywordMatrix.rows else {
            throw EmbeddingLoadError("\(directory): keywords.ids has \(keywords.count) keywords, keywords.npy \(keywordMatrix.rows) rows")
        }
        return try EmbeddingTable(
            partDate: partDate, shopIds: shopIds, shopVectors: shops.values, keywords: keywords,
            keywordVectors: keywordMatrix.values, dimensions: shops.columns)
    }

    /// A NaN or infinite component would make every score it touches NaN (and the top-k
    /// meaningless): refused at load, naming the row.
    private static func requireFinite(_ values: [Float], columns: Int, file: String) throws {
        guard let index = values.firstIndex(where: { !$0.isFinite }) else { return }
        throw EmbeddingLoadError("\(file): row \(index / max(columns, 1)), column \(index % max(columns, 1)): \(values[index]) is not a finite number")
    }

    private static func readLines(_ path: String) throws -> [String] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }
}

public struct EmbeddingLoadError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
