import CVectorKernels

/// The best `k` of scored candidates, best first; equal scores keep the candidates' order.
/// Selection, not a full sort (`courier_top_k`): a histogram pass finds where the k-th best lies,
/// and only the scores above it are sorted.
enum TopK {
    /// Indexes into `scores` of the `k` largest (all of them when `k` is 0 or larger than the count).
    static func indexes(of scores: [Float], k: Int) -> [Int32] {
        let take = k <= 0 ? scores.count : min(k, scores.count)
        guard take > 0 else { return [] }
        return [Int32](unsafeUninitializedCapacity: take) { out, initialized in
            courier_top_k(scores, scores.count, take, out.baseAddress)
            initialized = take
        }
    }
}
