import ArgumentParser
import RecoProtos
import Reco

/// The similarity benchmark's queries: a keyword against N candidate shops, top k. Drawn from a
/// seed so every run (and the numpy side) asks the same shape of question.
struct SimilarityWorkload: ParsableArguments {
    @Option(help: "Data directory with embeddings/<part_date>/.") var data = "bench-data"
    @Option(help: "Measured queries.") var queries = 20_000
    @Option(help: "Warm-up queries, not measured.") var warmup = 2_000
    @Option(help: "Candidate shops per query.") var candidates = 1000
    @Option(help: "Results per query.") var topK = 100
    @Option(help: "Seed of the query draw.") var seed: UInt64 = 1
    @Option(help: "Draw candidates from the first N shops only (0: all): N shops around a user sit in a small part of the table.")
    var candidatePool = 0

    func table() throws -> EmbeddingTable {
        try EmbeddingTable.load(from: PartDateDirectory(root: data + "/embeddings"))
    }

    /// The draws as RankByKeyword requests.
    func requests(from table: EmbeddingTable, count: Int) -> [Reco_V1_RankByKeywordRequest] {
        draw(from: table, count: count).map { keyword, ids in
            var request = Reco_V1_RankByKeywordRequest()
            request.keyword = keyword
            request.candidates = ids
            request.topK = Int32(topK)
            return request
        }
    }

    /// (keyword, candidate ids) per query.
    func draw(from table: EmbeddingTable, count: Int) -> [(String, [Int64])] {
        var random = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            let keyword = table.keywords[random.index(table.keywords.count)]
            let pool = candidatePool > 0 ? min(candidatePool, table.shopIds.count) : table.shopIds.count
            let ids = (0..<candidates).map { _ in table.shopIds[random.index(pool)] }
            return (keyword, ids)
        }
    }
}

func report(_ label: String, queries: Int, elapsed: Duration) {
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let perQuery = seconds / Double(queries) * 1e6
    print("\(label): \(queries) queries in \(String(format: "%.3f", seconds)) s = \(String(format: "%.1f", perQuery)) us/query, \(String(format: "%.0f", Double(queries) / seconds)) queries/s")
}
