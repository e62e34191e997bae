import Courier
import RecoProtos
import Foundation
import Reco
import Testing

@Suite("CandidateService over a real socket", .timeLimit(.minutes(1)))
struct CandidateServiceTests {
    static func location(_ latitude: Double, _ longitude: Double) -> Reco_V1_Location {
        var location = Reco_V1_Location()
        location.latitude = latitude
        location.longitude = longitude
        return location
    }

    static func shop(_ id: Int64, _ latitude: Double, _ longitude: Double, radius: Double = 2000, popularity: Double) -> Reco_V1_Shop {
        var shop = Reco_V1_Shop()
        shop.shopId = id
        shop.name = "가게 \(id)"
        shop.category = "한식"
        shop.location = location(latitude, longitude)
        shop.deliveryRadiusM = radius
        shop.popularity = popularity
        return shop
    }

    // Home at (37.5, 127.0). 0.01° of latitude is about 1.1 km.
    let batch = CandidateBatch(
        partDate: "2026-11-22",
        catalog: ShopCatalog(shops: [
            shop(1, 37.500, 127.000, popularity: 1),
            shop(2, 37.510, 127.000, popularity: 2),                  // 1.1 km: delivers
            shop(3, 37.540, 127.000, popularity: 9),                  // 4.4 km: too far for 2 km
            shop(4, 37.540, 127.000, radius: 5000, popularity: 3),    // 4.4 km, but delivers 5 km
            shop(5, 37.505, 127.005, popularity: 7),
            shop(6, 37.900, 127.000, popularity: 99),                 // another city
        ]),
        twoTowerLists: ["u1": [.init(shopId: 3, score: 0.9), .init(shopId: 2, score: 0.8), .init(shopId: 1, score: 0.7), .init(shopId: 404, score: 0.6)]])

    func withCandidates(_ body: (Reco_V1_CandidateService.Client) async throws -> Void) async throws {
        let provider = CandidateServiceProvider(batches: ActiveBatch(batch), directory: nil)
        try await withServer([provider]) { (port: Int) async throws -> Void in
            try await withChannel(port: port) { (channel: GRPCChannel) async throws -> Void in
                try await body(Reco_V1_CandidateService.Client(channel: channel))
            }
        }
    }

    func request(_ user: String, at location: Reco_V1_Location?, limit: Int32) -> Reco_V1_CandidatesRequest {
        var request = Reco_V1_CandidatesRequest()
        request.userId = user
        request.location = location
        request.limit = limit
        return request
    }

    @Test("the two-tower list in model order, filtered to shops that deliver to the user")
    func filtered() async throws {
        try await withCandidates { candidates in
            let response = try await candidates.getCandidates(request("u1", at: Self.location(37.5, 127.0), limit: 2))
            #expect(response.candidates.map { $0.shop?.shopId } == [2, 1])
            #expect(response.candidates.allSatisfy { $0.source == .twoTower })
            #expect(!response.coldStart)
            #expect(response.partDate == "2026-11-22")
            #expect(abs(response.candidates[0].distanceM - 1112) < 5)
            // Without a location the list is not filtered (unknown shop 404 is still skipped).
            let anywhere = try await candidates.getCandidates(request("u1", at: nil, limit: 10))
            #expect(anywhere.candidates.prefix(3).map { $0.shop?.shopId } == [3, 2, 1])
        }
    }

    @Test("too few left after the filter: topped up with nearby popular shops")
    func toppedUp() async throws {
        try await withCandidates { candidates in
            let response = try await candidates.getCandidates(request("u1", at: Self.location(37.5, 127.0), limit: 10))
            #expect(response.candidates.map { $0.shop?.shopId } == [2, 1, 5, 4])
            #expect(response.candidates.map(\.source) == [.twoTower, .twoTower, .popular, .popular])
        }
    }

    @Test("a user with no list gets popular shops that deliver to them (cold start)")
    func coldStart() async throws {
        try await withCandidates { candidates in
            let response = try await candidates.getCandidates(request("new-user", at: Self.location(37.5, 127.0), limit: 3))
            #expect(response.coldStart)
            #expect(response.candidates.map { $0.shop?.shopId } == [5, 4, 2])
            let far = try await candidates.getCandidates(request("new-user", at: Self.location(37.9, 127.0), limit: 3))
            #expect(far.candidates.map { $0.shop?.shopId } == [6])
        }
    }

    @Test("bad requests are INVALID_ARGUMENT")
    func badRequests() async throws {
        try await withCandidates { candidates in
            for bad in [request("", at: nil, limit: 1), request("u1", at: nil, limit: -1), request("u1", at: Self.location(91, 0), limit: 1)] {
                let error = await #expect(throws: RPCError.self) { try await candidates.getCandidates(bad) }
                #expect(error?.code == .invalidArgument)
            }
        }
    }
}

/// Nearby popular shops are found two ways (walking every shop in popularity order when the
/// point's cells hold many, gathering the cells otherwise): both must give exactly what a scan of
/// every shop gives.
@Suite("Popular shops delivering to a point")
struct PopularSlotsTests {
    @Test("dense city centre and sparse outskirts agree with a full scan", arguments: [0.02, 0.5])
    func agreesWithFullScan(spreadDegrees: Double) {
        var generator = SystemRandomNumberGenerator()
        let shops = (0..<2000).map { index in
            CandidateServiceTests.shop(
                Int64(index + 1), 37.5 + Double.random(in: -spreadDegrees...spreadDegrees, using: &generator),
                127.0 + Double.random(in: -spreadDegrees...spreadDegrees, using: &generator),
                radius: Double.random(in: 500...3000, using: &generator), popularity: Double.random(in: 0...1000, using: &generator))
        }
        let catalog = ShopCatalog(shops: shops)
        let point = GeoPoint(CandidateServiceTests.location(37.5, 127.0))
        let excluded = (0..<catalog.count).map { _ in Bool.random(using: &generator) && Bool.random(using: &generator) }
        for limit in [1, 10, 200, 5000] {
            let expected = Array(catalog.shops.indices.filter { !excluded[$0] && catalog.delivers(slot: $0, to: point) }.prefix(limit))
            #expect(catalog.popularSlots(deliveringTo: point, limit: limit, excluded: excluded) == expected, "limit \(limit)")
        }
    }
}
