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

    public func select(from batch: CandidateBatch, userId: String, location: Reco_V1_Location?, limit requested: Int,
                       withDetails: Bool = true) -> Reco_V1_CandidatesResponse {
        let limit = requested == 0 ? defaultLimit : min(requested, maxLimit)
        let catalog = batch.catalog
        let point = location.map(ShopCatalog.Point.init)
        var response = Reco_V1_CandidatesResponse()
        response.partDate = batch.partDate
        response.candidates.reserveCapacity(limit)
        var chosen = [Bool](repeating: false, count: catalog.count)
        if let list = batch.twoTowerLists[userId] {
            for item in list {
                guard response.candidates.count < limit, let slot = catalog.slot(of: item.shopId), !chosen[slot],
                      catalog.delivers(slot: slot, to: point) else { continue }
                chosen[slot] = true
                response.candidates.append(candidate(slot, source: .twoTower, score: item.score, point: point, catalog: catalog, withDetails: withDetails))
            }
        } else {
            response.coldStart = true
        }
        if response.candidates.count < limit {
            for slot in catalog.popularSlots(deliveringTo: point, limit: limit - response.candidates.count, excluded: chosen) {
                response.candidates.append(candidate(
                    slot, source: .popular, score: Float(catalog.shops[slot].popularity), point: point, catalog: catalog, withDetails: withDetails))
            }
        }
        return response
    }

    private func candidate(_ slot: Int, source: Reco_V1_CandidateSource, score: Float, point: ShopCatalog.Point?,
                           catalog: ShopCatalog, withDetails: Bool) -> Reco_V1_Candidate {
        var candidate = Reco_V1_Candidate()
        candidate.shopId = catalog.shops[slot].shopId
        if withDetails { candidate.shop = catalog.shops[slot] }
        candidate.source = source
        candidate.modelScore = score
        candidate.distanceM = point.map { catalog.distance(slot: slot, from: $0) } ?? 0
        return candidate
    }
}
