import RecoCore
import RecoProtos
import Synchronization

/// Shop details SearchHome has already fetched, for the candidate part_date they came from. Shop
/// details change only with a new batch, so after warm-up an answer needs no GetShops call; a new
/// part_date empties the cache.
final class ShopDetailsCache: Sendable {
    private struct State {
        var partDate = ""
        var shops: [Int64: Reco_V1_Shop] = [:]
    }

    private let state = Mutex(State())
    /// Most shops kept; beyond it the cache starts over (a batch rarely has more shops than this).
    let capacity: Int

    init(capacity: Int = 200_000) { self.capacity = capacity }

    /// The cached details of `ids` for `partDate` (missing ones absent).
    func lookup(_ ids: [Int64], partDate: String) -> [Int64: Reco_V1_Shop] {
        state.withLock { state in
            guard state.partDate == partDate else { return [:] }
            var found: [Int64: Reco_V1_Shop] = [:]
            for id in ids { if let shop = state.shops[id] { found[id] = shop } }
            return found
        }
    }

    func store(_ shops: [Reco_V1_Shop], partDate: String) {
        state.withLock { state in
            if state.partDate != partDate || state.shops.count + shops.count > capacity {
                state = State(partDate: partDate, shops: [:])
            }
            for shop in shops { state.shops[shop.shopId] = shop }
        }
    }
}
