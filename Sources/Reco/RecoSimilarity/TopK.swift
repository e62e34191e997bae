import RecoCore
import CVectorKernels

/// The best `k` of scored candidates, best first; equal scores keep the candidates' order.
/// Selection, not a full sort (`courier_top_k`): a radix select on the scores' bits finds where the
/// k-th best lies, and only the scores from there up are sorted.
enum TopK {
    /// Indexes into `scores` of the `k` largest (all of them when `k` is 0 or larger than the count).
    static func indexes(of scores: [Float], k: Int) -> [Int32] {
        let take = k <= 0 ? scores.count : min(k, scores.count)
        guard take > 0 else { return [] }
        return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: scores.count) { scratch in
            [Int32](unsafeUninitializedCapacity: take) { out, initialized in
                courier_top_k(scores, scores.count, take, scratch.baseAddress, out.baseAddress)
                initialized = take
            }
        }
    }
}
