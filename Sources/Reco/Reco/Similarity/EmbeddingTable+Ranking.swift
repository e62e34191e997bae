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
        var unknown: [Int64] = []
        var entries: [TopK.Entry] = []
        entries.reserveCapacity(candidates.count)
        let dimensions = self.dimensions
        for (position, id) in candidates.enumerated() {
            guard let row = shopRow(id) else { unknown.append(id); continue }
            let score = VectorKernels.dot(query, shops.row(row), count: dimensions)
            entries.append(TopK.Entry(score: score, position: Int32(position)))
        }
        let best = TopK.select(entries, k: topK)
        return ShopRanking(
            shops: best.map { .init(shopId: candidates[Int($0.position)], score: $0.score, driverIndex: 0) },
            unknownShopIds: unknown)
    }

    /// Ranks candidates against weighted queries: score = sum(w_i * cos_i) / sum(w_i); the driver is
    /// the query with the largest w_i * cos_i.
    func rank(queries: [WeightedQuery], candidates: [Int64], topK: Int) -> ShopRanking {
        var unknown: [Int64] = []
        var entries: [TopK.Entry] = []
        entries.reserveCapacity(candidates.count)
        let totalWeight = queries.reduce(Float(0)) { $0 + $1.weight }
        let scale = totalWeight > 0 ? 1 / totalWeight : 0
        let dimensions = self.dimensions
        for (position, id) in candidates.enumerated() {
            guard let row = shopRow(id) else { unknown.append(id); continue }
            let shop = shops.row(row)
            var sum: Float = 0
            var bestContribution = -Float.infinity
            var driver: Int32 = 0
            for (index, query) in queries.enumerated() {
                let contribution = query.weight * VectorKernels.dot(query.vector, shop, count: dimensions)
                sum += contribution
                if contribution > bestContribution { bestContribution = contribution; driver = Int32(index) }
            }
            entries.append(TopK.Entry(score: sum * scale, position: Int32(position), driver: driver))
        }
        let best = TopK.select(entries, k: topK)
        return ShopRanking(
            shops: best.map { .init(shopId: candidates[Int($0.position)], score: $0.score, driverIndex: Int($0.driver)) },
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
        let best: [TopK.Entry] = centroid.withUnsafeMutableBufferPointer { centroid in
            VectorKernels.normalize(centroid.baseAddress!, count: dimensions)
            var entries: [TopK.Entry] = []
            entries.reserveCapacity(keywordVectors.rows)
            for row in 0..<keywordVectors.rows {
                let score = VectorKernels.dot(centroid.baseAddress!, keywordVectors.row(row), count: dimensions)
                entries.append(TopK.Entry(score: score, position: Int32(row)))
            }
            return TopK.select(entries, k: topK)
        }
        return (best.map { (keywords[Int($0.position)], $0.score) }, unknown)
    }
}
