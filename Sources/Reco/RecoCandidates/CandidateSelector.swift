import RecoCore
import RecoProtos

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
        let point = location.map(GeoPoint.init)
        var response = Reco_V1_CandidatesResponse()
        response.partDate = batch.partDate
        // Chosen as slots first; written out once, as messages or as columns.
        var chosenSlots: [(slot: Int, source: Reco_V1_CandidateSource, score: Float)] = []
        chosenSlots.reserveCapacity(limit)
        var chosen = [Bool](repeating: false, count: catalog.count)
        if let list = batch.twoTowerLists[userId] {
            for item in list {
                guard chosenSlots.count < limit, let slot = catalog.slot(of: item.shopId), !chosen[slot],
                      catalog.delivers(slot: slot, to: point) else { continue }
                chosen[slot] = true
                chosenSlots.append((slot, .twoTower, item.score))
            }
        } else {
            response.coldStart = true
        }
        if chosenSlots.count < limit {
            for slot in catalog.popularSlots(deliveringTo: point, limit: limit - chosenSlots.count, excluded: chosen) {
                chosenSlots.append((slot, .popular, Float(catalog.shops[slot].popularity)))
            }
        }
        if withDetails {
            response.candidates = chosenSlots.map { candidate($0.slot, source: $0.source, score: $0.score, point: point, catalog: catalog) }
        } else {
            var columns = Reco_V1_CandidateColumns()
            columns.shopIds = chosenSlots.map { catalog.shops[$0.slot].shopId }
            columns.sources = chosenSlots.map(\.source)
            columns.modelScores = chosenSlots.map(\.score)
            columns.distancesM = chosenSlots.map { chosen in point.map { catalog.distance(slot: chosen.slot, from: $0) } ?? 0 }
            response.columns = columns
        }
        return response
    }

    private func candidate(_ slot: Int, source: Reco_V1_CandidateSource, score: Float, point: GeoPoint?,
                           catalog: ShopCatalog) -> Reco_V1_Candidate {
        var candidate = Reco_V1_Candidate()
        candidate.shopId = catalog.shops[slot].shopId
        candidate.shop = catalog.shops[slot]
        candidate.source = source
        candidate.modelScore = score
        candidate.distanceM = point.map { catalog.distance(slot: slot, from: $0) } ?? 0
        return candidate
    }
}
