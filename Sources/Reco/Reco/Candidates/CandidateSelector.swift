import CourierProtos

/// Picks a user's candidates from a batch: their two-tower list filtered to shops that deliver to
/// where they are, topped up with nearby popular shops when too few remain; popular nearby shops
/// when they have no list (cold start).
public struct CandidateSelector: Sendable {
    /// Candidates per request when the request does not say.
    public var defaultLimit = 200
    /// Most candidates a request may ask for.
    public var maxLimit = 2000

    public init() {}

    public func select(from batch: CandidateBatch, userId: String, location: Reco_V1_Location?, limit requested: Int) -> Reco_V1_CandidatesResponse {
        let limit = requested == 0 ? defaultLimit : min(requested, maxLimit)
        var response = Reco_V1_CandidatesResponse()
        response.partDate = batch.partDate
        var chosen = Set<Int64>()
        if let list = batch.twoTowerLists[userId] {
            for item in list {
                guard response.candidates.count < limit, let shop = batch.catalog.shops[item.shopId],
                      batch.catalog.delivers(shop, to: location), chosen.insert(item.shopId).inserted else { continue }
                response.candidates.append(candidate(shop, source: .twoTower, score: item.score, location: location, batch: batch))
            }
        } else {
            response.coldStart = true
        }
        if response.candidates.count < limit {
            for shop in batch.catalog.deliverableByPopularity(to: location) {
                guard response.candidates.count < limit else { break }
                guard chosen.insert(shop.shopId).inserted else { continue }
                response.candidates.append(candidate(shop, source: .popular, score: Float(shop.popularity), location: location, batch: batch))
            }
        }
        return response
    }

    private func candidate(_ shop: Reco_V1_Shop, source: Reco_V1_CandidateSource, score: Float, location: Reco_V1_Location?, batch: CandidateBatch) -> Reco_V1_Candidate {
        var candidate = Reco_V1_Candidate()
        candidate.shop = shop
        candidate.source = source
        candidate.modelScore = score
        candidate.distanceM = batch.catalog.distance(of: shop, from: location)
        return candidate
    }
}
