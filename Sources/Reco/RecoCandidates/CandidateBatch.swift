import RecoCore
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
    /// A user listed twice, an item that is not `shop_id:score` with a positive id and a finite
    /// score, is refused naming file, line and field.
    public static func load(directory: String, partDate: String) throws -> CandidateBatch {
        let catalog = try ShopCatalog.load(path: directory + "/shops.tsv")
        var lists: [String: [ScoredShop]] = [:]
        var lineOfUser: [String: Int] = [:]
        let path = directory + "/two_tower.tsv"
        for line in try String(contentsOfFile: path, encoding: .utf8).batchDataLines(path: path) {
            try line.requireFieldCount(2, "user_id, shop_id:score,...")
            let userId = try line.text(0, "user_id")
            if let first = lineOfUser.updateValue(line.number, forKey: userId) {
                throw line.error("user_id", "\"\(userId)\" already appears on line \(first)")
            }
            var list: [ScoredShop] = []
            for item in line.fields[1].split(separator: ",") {
                let parts = item.split(separator: ":", omittingEmptySubsequences: false)
                guard parts.count == 2, let id = Int64(parts[0]), id > 0, let score = Float(parts[1]), score.isFinite else {
                    throw line.error("list", "expected shop_id:score with a positive id and a finite score, got \"\(item.prefix(40))\"")
                }
                list.append(ScoredShop(shopId: id, score: score))
            }
            lists[userId] = list
        }
        return CandidateBatch(partDate: partDate, catalog: catalog, twoTowerLists: lists)
    }
}
