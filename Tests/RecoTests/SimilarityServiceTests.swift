import Courier
import RecoProtos
import CourierTestSupport
import Foundation
import Reco
import Testing

/// A small random embedding space with raw (unnormalised) vectors kept for reference answers.
struct ReferenceSpace {
    let dimensions: Int
    let shopIds: [Int64]
    let shopVectors: [[Float]]
    let keywords: [String]
    let keywordVectors: [[Float]]

    init(seed: UInt64, shops: Int, keywords: Int, dimensions: Int) {
        var random = SeededGenerator(seed: seed)
        self.dimensions = dimensions
        shopIds = (0..<shops).map { Int64(500 + $0 * 3) }
        shopVectors = (0..<shops).map { _ in (0..<dimensions).map { _ in Float(random.gaussian() * 3) } }
        self.keywords = (0..<keywords).map { "키워드 \($0)" }
        keywordVectors = (0..<keywords).map { _ in (0..<dimensions).map { _ in Float(random.gaussian()) } }
    }

    func table(partDate: String) throws -> EmbeddingTable {
        try EmbeddingTable(partDate: partDate, shopIds: shopIds, shopVectors: shopVectors.flatMap { $0 },
                           keywords: keywords, keywordVectors: keywordVectors.flatMap { $0 }, dimensions: dimensions)
    }

    func write(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try (shopIds.map(String.init).joined(separator: "\n") + "\n").write(toFile: directory + "/shops.ids", atomically: true, encoding: .utf8)
        try (keywords.joined(separator: "\n") + "\n").write(toFile: directory + "/keywords.ids", atomically: true, encoding: .utf8)
        try NumpyFloatMatrix.write(path: directory + "/shops.npy", rows: shopIds.count, columns: dimensions, values: shopVectors.flatMap { $0 })
        try NumpyFloatMatrix.write(path: directory + "/keywords.npy", rows: keywords.count, columns: dimensions, values: keywordVectors.flatMap { $0 })
        try Data().write(to: URL(fileURLWithPath: directory + "/_SUCCESS"))
    }

    /// 1 - cosine distance in double precision, as pgvector computes it.
    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, na = 0.0, nb = 0.0
        for (x, y) in zip(a, b) { dot += Double(x) * Double(y); na += Double(x) * Double(x); nb += Double(y) * Double(y) }
        return dot / (na.squareRoot() * nb.squareRoot())
    }

    func shopVector(_ id: Int64) -> [Float] { shopVectors[shopIds.firstIndex(of: id)!] }
}

@Suite("SimilarityService, in-process", .timeLimit(.minutes(1)))
struct SimilarityServiceTests {
    // 37 dimensions: not a multiple of the SIMD width, so every path of the kernel runs.
    let space = ReferenceSpace(seed: 7, shops: 600, keywords: 40, dimensions: 37)

    func withSimilarity(directory: PartDateDirectory? = nil, table: EmbeddingTable? = nil,
                        _ body: (Reco_V1_SimilarityService.Client) async throws -> Void) async throws {
        let provider = SimilarityServiceProvider(embeddings: ActiveBatch(try table ?? space.table(partDate: "p1")), directory: directory)
        try await withInProcess([provider]) { transport in
            try await body(Reco_V1_SimilarityService.Client(channel: transport))
        }
    }

    @Test("keyword against candidates: exact cosine, best first, unknown ids listed")
    func rankByKeyword() async throws {
        try await withSimilarity { similarity in
            var request = Reco_V1_RankByKeywordRequest()
            request.keyword = " 키워드   3 "
            request.candidateShopIds = Array(space.shopIds.prefix(300)) + [1, 2, 3]
            let response = try await similarity.rankByKeyword(request)
            #expect(response.partDate == "p1")
            #expect(response.unknownShopIds == [1, 2, 3])
            #expect(response.shops.count == 300)
            let query = space.keywordVectors[3]
            var previous = Float.infinity
            for shop in response.shops {
                let expected = ReferenceSpace.cosine(query, space.shopVector(shop.shopId))
                #expect(abs(Double(shop.score) - expected) < 1e-5)
                #expect(shop.score <= previous)
                previous = shop.score
            }
            let expectedOrder = request.candidateShopIds.prefix(300).sorted {
                ReferenceSpace.cosine(query, space.shopVector($0)) > ReferenceSpace.cosine(query, space.shopVector($1))
            }
            #expect(response.shops.map(\.shopId) == Array(expectedOrder))

            request.topK = 10
            let top = try await similarity.rankByKeyword(request)
            #expect(top.shops.map(\.shopId) == Array(expectedOrder.prefix(10)))

            request.keyword = "없는 키워드"
            let unknown = try await similarity.rankByKeyword(request)
            #expect(unknown.shops.isEmpty)
            #expect(unknown.unknownKeywords == ["없는 키워드"])
        }
    }

    @Test("candidates in the fixed-width field, the varint one, or split over both: the same ranking")
    func candidatesInEitherField() async throws {
        let ids = Array(space.shopIds.prefix(200)) + [1, 2]
        // `candidates` is sfixed64: 8 bytes per id on the wire, where the varint field takes 1-10.
        var fixed = Reco_V1_RankByKeywordRequest()
        fixed.candidates = ids
        #expect(try fixed.serializedBytes().count == 1 + 2 + 8 * ids.count)
        #expect(try Reco_V1_RankByKeywordRequest(serializedBytes: fixed.serializedBytes()).candidates == ids)
        try await withSimilarity { similarity in
            var varint = Reco_V1_RankByKeywordRequest()
            varint.keyword = "키워드 7"
            varint.candidateShopIds = ids
            fixed.keyword = varint.keyword
            var split = varint
            split.candidates = Array(ids.prefix(120))
            split.candidateShopIds = Array(ids.dropFirst(120))
            let expected = try await similarity.rankByKeyword(varint)
            #expect(expected.shops.count == 200 && expected.unknownShopIds == [1, 2])
            for request in [fixed, split] {
                let response = try await similarity.rankByKeyword(request)
                #expect(response.shops.map(\.shopId) == expected.shops.map(\.shopId))
                #expect(response.unknownShopIds == expected.unknownShopIds)
            }
            var history = Reco_V1_RankByHistoryRequest()
            var item = Reco_V1_HistoryItem()
            item.target = .keyword("키워드 7")
            item.weight = 1
            history.history = [item]
            history.candidates = ids
            #expect(try await similarity.rankByHistory(history).shops.map(\.shopId) == expected.shops.map(\.shopId))
        }
    }

    @Test("shop against candidates, and a raw vector; a wrong dimension is INVALID_ARGUMENT")
    func rankByShopAndVector() async throws {
        try await withSimilarity { similarity in
            var request = Reco_V1_RankByShopRequest()
            request.shopId = space.shopIds[5]
            request.candidateShopIds = space.shopIds
            request.topK = 5
            let response = try await similarity.rankByShop(request)
            // A shop is its own nearest neighbour (cosine 1).
            #expect(response.shops.first?.shopId == space.shopIds[5])
            #expect(abs((response.shops.first?.score ?? 0) - 1) < 1e-5)

            var vectorRequest = Reco_V1_RankByVectorRequest()
            vectorRequest.vector = space.shopVectors[9].map { $0 * 5 }
            vectorRequest.candidateShopIds = space.shopIds
            vectorRequest.topK = 1
            #expect(try await similarity.rankByVector(vectorRequest).shops.first?.shopId == space.shopIds[9])

            vectorRequest.vector = [1, 2, 3]
            let error = await #expect(throws: RPCError.self) { try await similarity.rankByVector(vectorRequest) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("37") == true)

            request.shopId = 42
            let unknown = try await similarity.rankByShop(request)
            #expect(unknown.unknownQueryShopIds == [42])
            #expect(unknown.shops.isEmpty)
        }
    }

    @Test("weighted history in one call: weight-averaged cosine, and the item that drove each score")
    func rankByHistory() async throws {
        try await withSimilarity { similarity in
            var keyword = Reco_V1_HistoryItem()
            keyword.target = .keyword("키워드 1")
            keyword.weight = 2
            var shop = Reco_V1_HistoryItem()
            shop.target = .shopId(space.shopIds[0])
            shop.weight = 1
            var missing = Reco_V1_HistoryItem()
            missing.target = .keyword("모름")
            missing.weight = 5
            var request = Reco_V1_RankByHistoryRequest()
            request.history = [missing, keyword, shop]
            request.candidateShopIds = Array(space.shopIds.prefix(100))
            let response = try await similarity.rankByHistory(request)
            #expect(response.unknownKeywords == ["모름"])
            #expect(response.shops.count == 100)
            for scored in response.shops {
                let shopVector = space.shopVector(scored.shopId)
                let viaKeyword = 2 * ReferenceSpace.cosine(space.keywordVectors[1], shopVector)
                let viaShop = 1 * ReferenceSpace.cosine(space.shopVectors[0], shopVector)
                #expect(abs(Double(scored.score) - (viaKeyword + viaShop) / 3) < 1e-5)
                #expect(scored.driverIndex == (viaKeyword >= viaShop ? 1 : 2))
            }
        }
    }

    @Test("representative keywords: nearest the normalised centroid, exact over all keywords")
    func representativeKeywords() async throws {
        try await withSimilarity { similarity in
            var request = Reco_V1_RepresentativeKeywordsRequest()
            request.shopIds = Array(space.shopIds[10..<20]) + [7]
            request.topK = 5
            let response = try await similarity.representativeKeywords(request)
            #expect(response.unknownShopIds == [7])
            var centroid = [Float](repeating: 0, count: space.dimensions)
            for id in space.shopIds[10..<20] {
                let vector = space.shopVector(id)
                let norm = Float(ReferenceSpace.cosine(vector, vector).squareRoot()) * sqrt(vector.reduce(0) { $0 + $1 * $1 })
                for d in 0..<space.dimensions { centroid[d] += vector[d] / norm }
            }
            let expected = space.keywords.indices.sorted {
                ReferenceSpace.cosine(centroid, space.keywordVectors[$0]) > ReferenceSpace.cosine(centroid, space.keywordVectors[$1])
            }.prefix(5).map { space.keywords[$0] }
            #expect(response.keywords.map(\.keyword) == Array(expected))
        }
    }

    @Test("loading a new part_date swaps atomically while calls keep being answered")
    func partDateSwap() async throws {
        try await withTemporaryDirectory { root in
            try space.write(to: root + "/2026-11-22")
            let next = ReferenceSpace(seed: 8, shops: 600, keywords: 40, dimensions: 37)
            try next.write(to: root + "/2026-11-23")
            // A folder without _SUCCESS is an incomplete batch.
            try FileManager.default.createDirectory(atPath: root + "/2026-11-24", withIntermediateDirectories: true)
            let directory = PartDateDirectory(root: root)
            let initial = try EmbeddingTable.load(directory: root + "/2026-11-22", partDate: "2026-11-22")
            try await withSimilarity(directory: directory, table: initial) { similarity in
                var request = Reco_V1_RankByKeywordRequest()
                request.keyword = "키워드 0"
                request.candidateShopIds = space.shopIds
                request.topK = 3
                // The load starts after the first answer, not after a fixed sleep: under a loaded CI
                // machine the channel's first call alone could outlast any sleep and see the new date.
                let first = try await similarity.rankByKeyword(request)
                #expect(first.partDate == "2026-11-22")
                let load = Task {
                    var load = Reco_V1_LoadPartDateRequest()
                    load.partDate = "2026-11-23"
                    return try await similarity.loadPartDate(load)
                }
                for _ in 0..<400 {
                    let response = try await similarity.rankByKeyword(request)
                    #expect(response.shops.count == 3)
                    if response.partDate != first.partDate { break }  // the swap has reached the calls
                }
                let loaded = try await load.value
                #expect(loaded.partDate == "2026-11-23")
                #expect(loaded.previousPartDate == "2026-11-22")
                #expect(loaded.dimensions == 37)
                let after = try await similarity.rankByKeyword(request)
                #expect(after.partDate == "2026-11-23")
                // Answers come from the new vectors.
                let expected = next.shopIds.max { ReferenceSpace.cosine(next.keywordVectors[0], next.shopVector($0)) < ReferenceSpace.cosine(next.keywordVectors[0], next.shopVector($1)) }
                #expect(after.shops.first?.shopId == expected)

                var incomplete = Reco_V1_LoadPartDateRequest()
                incomplete.partDate = "2026-11-24"
                let error = await #expect(throws: RPCError.self) { try await similarity.loadPartDate(incomplete) }
                #expect(error?.code == .notFound)
                #expect(try await similarity.rankByKeyword(request).partDate == "2026-11-23")
            }
        }
    }

    @Test(".npy files written by numpy load, and ours load in numpy", .enabled(if: pythonHasNumpy()))
    func numpyInterop() async throws {
        try await withTemporaryDirectory { root in
            let script = """
            import numpy as np, sys
            a = np.arange(12, dtype=np.float32).reshape(3, 4) / 7
            np.save(sys.argv[1] + '/from_numpy.npy', a)
            b = np.load(sys.argv[1] + '/from_swift.npy')
            assert b.dtype == np.float32 and b.shape == (2, 3), (b.dtype, b.shape)
            assert (b == np.array([[1.5, -2, 0], [3.25, 4, 1e-3]], dtype=np.float32)).all(), b
            """
            try NumpyFloatMatrix.write(path: root + "/from_swift.npy", rows: 2, columns: 3, values: [1.5, -2, 0, 3.25, 4, 1e-3])
            let python = try await ChildProcess.run("/usr/bin/env", ["python3", "-c", script, root])
            #expect(python.status == 0, "\(python.errors)")
            let read = try NumpyFloatMatrix.read(path: root + "/from_numpy.npy")
            #expect(read.rows == 3 && read.columns == 4)
            #expect(read.values == (0..<12).map { Float($0) / 7 })
        }
    }
}

func pythonHasNumpy() -> Bool {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", "import numpy"]
    process.standardError = FileHandle.nullDevice
    guard (try? process.run()) != nil else { return false }
    process.waitUntilExit()
    return process.terminationStatus == 0
}
