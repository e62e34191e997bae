@testable import RecoSimilarity
import Reco
import Testing

@Suite("Ranking kernels")
struct RankingKernelTests {
    @Test("a matrix large enough for huge pages (over 8 MiB, mapped) keeps every row, normalised")
    func largeMatrixOnItsOwnMapping() {
        let rows = 17_000, dimensions = 128  // 8.7 MB
        let values = (0..<rows * dimensions).map { Float($0 % dimensions + 1) * Float($0 / dimensions % 7 + 1) }
        let matrix = VectorMatrix(rows: rows, dimensions: dimensions, values: values)
        let norm = (1...dimensions).reduce(Float(0)) { $0 + Float($1 * $1) }.squareRoot()
        for row in [0, 1, 8_191, rows - 1] {
            let first = matrix.row(row)[0], last = matrix.row(row)[dimensions - 1]
            #expect(abs(first - 1 / norm) < 1e-6 && abs(last - Float(dimensions) / norm) < 1e-5, "row \(row): \(first), \(last)")
        }
    }

    @Test("top k equals a full sort (score descending, ties in candidate order) for every k")
    func topKMatchesSort() {
        var random = SeededGenerator(seed: 3)
        for trial in 0..<200 {
            let count = 1 + random.index(1500)
            // Coarse scores on some trials so ties and crowded histogram buckets happen; on others
            // cosines close together (one first-level bucket) and signed zeros, which must tie.
            let scores = (0..<count).map { _ in
                switch trial % 4 {
                case 0: Float(random.index(7)) / 7 - 0.5
                case 1: Float(0.61 + random.uniform(0, 0.001))
                case 2: [Float(0), -Float(0), 0.25, -0.25][random.index(4)]
                default: Float(random.uniform(-1, 1))
                }
            }
            let expected = scores.indices.sorted { (scores[$0], -$0) > (scores[$1], -$1) }.map(Int32.init)
            for k in [0, 1, 2, 10, 100, count - 1, count, count + 5] where k >= 0 {
                let expectedPrefix = k == 0 ? expected : Array(expected.prefix(k))
                #expect(TopK.indexes(of: scores, k: k) == expectedPrefix, "count \(count) k \(k)")
            }
        }
    }

    @Test("dense and sparse id indexes resolve the same, listing unknown ids")
    func rowIndexes() throws {
        let dense = try ShopRowIndex(ids: [10, 12, 11, 15])
        let sparse = try ShopRowIndex(ids: [10, 1 << 40, 11, -7])
        let denseResolved = dense.resolve([12, 13, 10, 99, -1, 15])
        #expect(denseResolved.rows == [1, 0, 3])
        #expect(denseResolved.positions == [0, 2, 5])
        #expect(denseResolved.unknown == [13, 99, -1])
        let sparseResolved = sparse.resolve([-7, 1 << 40, 5])
        #expect(sparseResolved.rows == [3, 1])
        #expect(sparseResolved.positions == [0, 1])
        #expect(sparseResolved.unknown == [5])
        #expect(throws: ShopRowIndex.DuplicateId.self) { try ShopRowIndex(ids: [1, 2, 1]) }
        #expect(dense.resolve([Int64.min, Int64.max]).unknown == [Int64.min, Int64.max])
    }
}
