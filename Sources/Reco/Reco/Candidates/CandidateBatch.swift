import CourierProtos
import Foundation
import Logging

/// One part_date of the candidate batch: the shop catalogue and each user's two-tower list, in
/// the model's order.
public final class CandidateBatch: PartDateBatch {
    public struct ScoredShop: Sendable {
        public var shopId: Int64
        public var score: Float

        public init(shopId: Int64, score: Float) {
            self.shopId = shopId
            self.score = score
        }
    }

    public let partDate: String
    public let catalog: ShopCatalog
    public let twoTowerLists: [String: [ScoredShop]]

    public var summary: Logger.Metadata {
        ["part_date": "\(partDate)", "users": "\(twoTowerLists.count)", "shops": "\(catalog.shops.count)"]
    }

    public init(partDate: String, catalog: ShopCatalog, twoTowerLists: [String: [ScoredShop]]) {
        self.partDate = partDate
        self.catalog = catalog
        self.twoTowerLists = twoTowerLists
    }

    /// Loads `<directory>/shops.tsv` and `<directory>/two_tower.tsv` (see docs/data-format.md).
    public static func load(directory: String, partDate: String) throws -> CandidateBatch {
        let catalog = try ShopCatalog.load(path: directory + "/shops.tsv")
        var lists: [String: [ScoredShop]] = [:]
        let path = directory + "/two_tower.tsv"
        for (number, line) in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").enumerated().dropFirst() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 2, !fields[0].isEmpty else {
                throw ConfigurationError("\(path):\(number + 1): expected user_id \\t shop_id:score,...")
            }
            var list: [ScoredShop] = []
            for item in fields[1].split(separator: ",") {
                let parts = item.split(separator: ":")
                guard parts.count == 2, let id = Int64(parts[0]), let score = Float(parts[1]) else {
                    throw ConfigurationError("\(path):\(number + 1): bad list item \"\(item)\"")
                }
                list.append(ScoredShop(shopId: id, score: score))
            }
            lists[String(fields[0])] = list
        }
        return CandidateBatch(partDate: partDate, catalog: catalog, twoTowerLists: lists)
    }
}
