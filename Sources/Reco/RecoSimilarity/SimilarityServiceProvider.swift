import RecoCore
import Courier
import RecoProtos
import Logging

/// `reco.v1.SimilarityService`: exact cosine similarity over the active part_date's embeddings.
public struct SimilarityServiceProvider: Reco_V1_SimilarityService.ServiceProtocol {
    public let embeddings: ActiveBatch<EmbeddingTable>
    /// Where LoadPartDate looks (`<data>/embeddings`); nil when batches are activated in-process only.
    public let directory: PartDateDirectory?
    private let logger: Logger

    public init(embeddings: ActiveBatch<EmbeddingTable>, directory: PartDateDirectory?, logger: Logger = Logger(label: "reco.similarity")) {
        self.embeddings = embeddings
        self.directory = directory
        self.logger = logger
    }

    /// The rankings only compute (tens of microseconds over the table in memory): answered on the
    /// event loop, without a task. LoadPartDate reads files, so it keeps its task.
    public var methodHandlers: [MethodHandler] {
        typealias Method = Reco_V1_SimilarityService.Method
        return generatedMethodHandlers.replacing(
            .immediateUnary(Method.rankByKeyword, rankByKeyword), .immediateUnary(Method.rankByShop, rankByShop),
            .immediateUnary(Method.rankByVector, rankByVector), .immediateUnary(Method.rankByHistory, rankByHistory),
            .immediateUnary(Method.representativeKeywords, representativeKeywords))
    }

    public func rankByKeyword(request: Reco_V1_RankByKeywordRequest, context: ServerContext) throws -> Reco_V1_RankResponse {
        let table = try activeTable()
        let candidates = request.allCandidates
        guard let ranking = table.rank(keyword: request.keyword, candidates: candidates, topK: try topK(request.topK)) else {
            var response = Self.unranked(candidates, table: table)
            response.unknownKeywords = [KeywordNormalizer.normalize(request.keyword)]
            return response
        }
        return Self.response(ranking, table: table)
    }

    public func rankByShop(request: Reco_V1_RankByShopRequest, context: ServerContext) throws -> Reco_V1_RankResponse {
        let table = try activeTable()
        let candidates = request.allCandidates
        guard let ranking = table.rank(shopId: request.shopId, candidates: candidates, topK: try topK(request.topK)) else {
            var response = Self.unranked(candidates, table: table)
            response.unknownQueryShopIds = [request.shopId]
            return response
        }
        return Self.response(ranking, table: table)
    }

    public func rankByVector(request: Reco_V1_RankByVectorRequest, context: ServerContext) throws -> Reco_V1_RankResponse {
        let table = try activeTable()
        guard request.vector.count == table.dimensions else {
            throw RPCError(code: .invalidArgument,
                           message: "vector: has \(request.vector.count) dimensions, part_date \(table.partDate) has \(table.dimensions)")
        }
        guard request.vector.allSatisfy(\.isFinite) else {
            throw RPCError(code: .invalidArgument, message: "vector: every component must be a finite number")
        }
        let query = VectorMatrix(rows: 1, dimensions: table.dimensions, values: request.vector)
        let ranking = table.rank(query: query.row(0), candidates: request.allCandidates, topK: try topK(request.topK))
        return withExtendedLifetime(query) { Self.response(ranking, table: table) }
    }

    public func rankByHistory(request: Reco_V1_RankByHistoryRequest, context: ServerContext) throws -> Reco_V1_RankResponse {
        let table = try activeTable()
        var queries: [WeightedQuery] = []
        var queryIndexes: [Int] = []  // position in request.history of each query
        var unknownKeywords: [String] = []
        var unknownShops: [Int64] = []
        for (index, item) in request.history.enumerated() {
            guard item.weight.isFinite, item.weight >= 0 else {
                throw RPCError(code: .invalidArgument, message: "history[\(index)].weight: must be a non-negative number")
            }
            switch item.target {
            case .keyword(let raw)?:
                let keyword = KeywordNormalizer.normalize(raw)
                guard let row = table.keywordRow(keyword) else { unknownKeywords.append(keyword); continue }
                queries.append(WeightedQuery(vector: table.keywordVectors.row(row), weight: item.weight))
            case .shopId(let id)?:
                guard let row = table.shopRow(id) else { unknownShops.append(id); continue }
                queries.append(WeightedQuery(vector: table.shops.row(row), weight: item.weight))
            case nil:
                throw RPCError(code: .invalidArgument, message: "history[\(index)]: needs a shop_id or a keyword")
            }
            queryIndexes.append(index)
        }
        var response: Reco_V1_RankResponse
        if queries.isEmpty {
            response = Self.unranked(request.allCandidates, table: table)
        } else {
            var ranking = table.rank(queries: queries, candidates: request.allCandidates, topK: try topK(request.topK))
            for index in ranking.shops.indices { ranking.shops[index].driverIndex = queryIndexes[ranking.shops[index].driverIndex] }
            response = Self.response(ranking, table: table)
        }
        response.unknownKeywords = unknownKeywords
        response.unknownQueryShopIds = unknownShops
        return withExtendedLifetime(table) { response }
    }

    public func representativeKeywords(request: Reco_V1_RepresentativeKeywordsRequest, context: ServerContext) throws -> Reco_V1_RepresentativeKeywordsResponse {
        let table = try activeTable()
        let result = table.representativeKeywords(of: request.shopIds, topK: try topK(request.topK))
        var response = Reco_V1_RepresentativeKeywordsResponse()
        response.keywords = result.keywords.map { keyword, score in
            var scored = Reco_V1_ScoredKeyword()
            scored.keyword = keyword
            scored.score = score
            return scored
        }
        response.unknownShopIds = result.unknownShopIds
        response.partDate = table.partDate
        return response
    }

    public func loadPartDate(request: Reco_V1_LoadPartDateRequest, context: ServerContext) async throws -> Reco_V1_LoadPartDateResponse {
        let (table, previous) = try await embeddings.load(request.partDate, from: directory, service: "Similarity", logger: logger)
        logger.info("embeddings activated", metadata: table.summary.merging(["previous": "\(previous?.partDate ?? "none")"]) { $1 })
        var response = Reco_V1_LoadPartDateResponse()
        response.partDate = table.partDate
        response.shops = Int64(table.shopIds.count)
        response.keywords = Int64(table.keywords.count)
        response.dimensions = Int32(table.dimensions)
        response.previousPartDate = previous?.partDate ?? ""
        return response
    }

    // MARK: Helpers

    private func activeTable() throws -> EmbeddingTable {
        guard let table = embeddings.batch else {
            throw RPCError(code: .unavailable, message: "no embeddings loaded yet")
        }
        return table
    }

    private func topK(_ value: Int32) throws -> Int {
        guard value >= 0 else { throw RPCError(code: .invalidArgument, message: "top_k: must not be negative") }
        return Int(value)
    }

    /// The answer when the query itself has no embedding: nothing ranked, the candidates without
    /// embeddings still listed.
    private static func unranked(_ candidates: [Int64], table: EmbeddingTable) -> Reco_V1_RankResponse {
        response(ShopRanking(shops: [], unknownShopIds: candidates.filter { table.shopRow($0) == nil }), table: table)
    }

    private static func response(_ ranking: ShopRanking, table: EmbeddingTable) -> Reco_V1_RankResponse {
        Reco_V1_RankResponse(ranking, partDate: table.partDate)
    }
}
