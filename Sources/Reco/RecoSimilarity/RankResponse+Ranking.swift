import RecoCore
import RecoProtos

extension Reco_V1_RankResponse {
    /// The answer to a Rank call: the ranking's shops best first, the candidates with no
    /// embedding, and the part_date that scored them.
    public init(_ ranking: ShopRanking, partDate: String) {
        self.init()
        shops = ranking.shops.map { shop in
            var scored = Reco_V1_ScoredShop()
            scored.shopId = shop.shopId
            scored.score = shop.score
            scored.driverIndex = Int32(shop.driverIndex)
            return scored
        }
        unknownShopIds = ranking.unknownShopIds
        self.partDate = partDate
    }
}
