import RecoProtos

/// A rank request's candidate shops, which come in two fields: `candidates` (fixed 8-byte ids,
/// what SearchHome sends: one copy each way instead of a varint loop per id) and
/// `candidate_shop_ids` (varints, for callers written before it). Every ranking reads them here.
protocol RankRequestCandidates {
    var candidates: [Int64] { get }
    var candidateShopIds: [Int64] { get }
}

extension RankRequestCandidates {
    /// `candidates`, then `candidate_shop_ids` (normally one of them is empty: no copy then).
    var allCandidates: [Int64] {
        if candidateShopIds.isEmpty { return candidates }
        if candidates.isEmpty { return candidateShopIds }
        return candidates + candidateShopIds
    }
}

extension Reco_V1_RankByKeywordRequest: RankRequestCandidates {}
extension Reco_V1_RankByShopRequest: RankRequestCandidates {}
extension Reco_V1_RankByVectorRequest: RankRequestCandidates {}
extension Reco_V1_RankByHistoryRequest: RankRequestCandidates {}
