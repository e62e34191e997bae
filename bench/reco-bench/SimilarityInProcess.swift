import ArgumentParser
import Reco

struct SimilarityInProcess: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "similarity", abstract: "In-process exact ranking.")
    @OptionGroup var workload: SimilarityWorkload

    func run() throws {
        let table = try workload.table()
        print("embeddings \(table.partDate): \(table.shopIds.count) shops x \(table.dimensions) dims, \(table.keywords.count) keywords")
        let draws = workload.draw(from: table, count: workload.warmup + workload.queries)
        var checksum: Float = 0
        for (keyword, ids) in draws.prefix(workload.warmup) {
            checksum += table.rank(keyword: keyword, candidates: ids, topK: workload.topK)?.shops.first?.score ?? 0
        }
        let clock = ContinuousClock()
        let start = clock.now
        for (keyword, ids) in draws.dropFirst(workload.warmup) {
            checksum += table.rank(keyword: keyword, candidates: ids, topK: workload.topK)?.shops.first?.score ?? 0
        }
        report("courier in-process", queries: workload.queries, elapsed: clock.now - start)
        print("(checksum \(checksum))")
    }
}
