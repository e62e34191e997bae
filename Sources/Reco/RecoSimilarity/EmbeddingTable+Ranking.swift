import RecoCore
import CVectorKernels

/// A ranking of candidate shops, best first.
public struct ShopRanking: Sendable {
    public struct Scored: Sendable, Equatable {
        public var shopId: Int64
        /// 1 - cosine distance (for history: weight-averaged over the history items).
        public var score: Float
        /// For history rankings, which query contributed most (its index); otherwise 0.
        public var driverIndex: Int
    }

    public var shops: [Scored]
    /// Candidates with no embedding.
    public var unknownShopIds: [Int64]
}

/// A weighted query vector: one history item.
public struct WeightedQuery {
    let vector: UnsafePointer<Float>
    let weight: Float
}

extension EmbeddingTable {
    /// Ranks candidates against one unit query vector: score = dot = 1 - cosine distance.
    public func rank(query: UnsafePointer<Float>, candidates: [Int64], topK: Int) -> ShopRanking {
        let (rows, positions, unknown) = resolve(candidates)
        var scores = [Float](repeating: 0, count: rows.count)
        scores.withUnsafeMutableBufferPointer { scores in
            rows.withUnsafeBufferPointer { rows in
                courier_score_rows(shops.base, dimensions, rows.baseAddress, rows.count, query, scores.baseAddress)
            }
        }
        return ShopRanking(
            shops: TopK.indexes(of: scores, k: topK).map {
                .init(shopId: candidates[Int(positions[Int($0)])], score: scores[Int($0)], driverIndex: 0)
            },
            unknownShopIds: unknown)
    }

    /// Ranks candidates against weighted queries: score = sum(w_i * cos_i) / sum(w_i); the driver is
    /// the query with the largest w_i * cos_i.
    func rank(queries: [WeightedQuery], candidates: [Int64], topK: Int) -> ShopRanking {
        let (rows, positions, unknown) = resolve(candidates)
        let dimensions = self.dimensions
        // The query vectors side by side, as the kernel reads them.
        var packed = [Float](repeating: 0, count: queries.count * dimensions)
        packed.withUnsafeMutableBufferPointer { packed in
            for (index, query) in queries.enumerated() {
                (packed.baseAddress! + index * dimensions).update(from: query.vector, count: dimensions)
            }
        }
        let weights = queries.map(\.weight)
        let totalWeight = weights.reduce(0, +)
        var scores = [Float](repeating: 0, count: rows.count)
        var drivers = [Int32](repeating: 0, count: rows.count)
        scores.withUnsafeMutableBufferPointer { scores in
            drivers.withUnsafeMutableBufferPointer { drivers in
                courier_score_rows_weighted(
                    shops.base, dimensions, rows, rows.count, packed, weights, queries.count,
                    totalWeight > 0 ? 1 / totalWeight : 0, scores.baseAddress, drivers.baseAddress)
            }
        }
        return ShopRanking(
            shops: TopK.indexes(of: scores, k: topK).map {
                .init(shopId: candidates[Int(positions[Int($0)])], score: scores[Int($0)], driverIndex: Int(drivers[Int($0)]))
            },
            unknownShopIds: unknown)
    }

    /// The `topK` keywords nearest the normalised centroid of `shopIds` (exact scan of every keyword).
    public func representativeKeywords(of shopIds: [Int64], topK: Int) -> (keywords: [(String, Float)], unknownShopIds: [Int64]) {
        var centroid = [Float](repeating: 0, count: dimensions)
        var unknown: [Int64] = []
        var known = 0
        for id in shopIds {
            guard let row = shopRow(id) else { unknown.append(id); continue }
            let vector = shops.row(row)
            for index in 0..<dimensions { centroid[index] += vector[index] }
            known += 1
        }
        guard known > 0 else { return ([], unknown) }
        let dimensions = self.dimensions
        let best: [(String, Float)] = centroid.withUnsafeMutableBufferPointer { centroid in
            VectorKernels.normalize(centroid.baseAddress!, count: dimensions)
            let scores = (0..<keywordVectors.rows).map { row in
                VectorKernels.dot(centroid.baseAddress!, keywordVectors.row(row), count: dimensions)
            }
            return TopK.indexes(of: scores, k: topK).map { (keywords[Int($0)], scores[Int($0)]) }
        }
        return (best, unknown)
    }
}

extension EmbeddingTable {
    /// Ranks candidates against a keyword (normalised first); nil when the keyword has no embedding.
    public func rank(keyword: String, candidates: [Int64], topK: Int) -> ShopRanking? {
        keywordRow(KeywordNormalizer.normalize(keyword)).map { rank(query: keywordVectors.row($0), candidates: candidates, topK: topK) }
    }

    /// Ranks candidates against a shop; nil when the shop has no embedding.
    public func rank(shopId: Int64, candidates: [Int64], topK: Int) -> ShopRanking? {
        shopRow(shopId).map { rank(query: shops.row($0), candidates: candidates, topK: topK) }
    }
}
