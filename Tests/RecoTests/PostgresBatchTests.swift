import Courier
import CourierTestSupport
import Foundation
import Reco
import RecoProtos
import Testing

/// Batches in PostgreSQL, against a real PostgreSQL server.
@Suite("Batches in PostgreSQL", .serialized, .timeLimit(.minutes(5)))
struct PostgresBatchTests {
    func withPostgres(_ body: (PostgresTestServer, PostgresBatchStore) async throws -> Void) async throws {
        let server = try await PostgresTestServer()
        do {
            let store = try PostgresBatchStore(url: server.url)
            try await store.migrate()
            try await body(server, store)
        } catch {
            await server.remove()
            throw error
        }
        await server.remove()
    }

    static let partDate = "2026-11-22"

    @Test("an uploaded batch downloads into folders that load to the same batch")
    func roundTrip() async throws {
        try await withPostgres { server, store in
            let demo = try await SharedDemoData.root
            for dataset in PostgresBatchStore.Dataset.allCases {
                let summary = try await store.upload(folder: "\(demo)/\(dataset.rawValue)/\(Self.partDate)", dataset: dataset, partDate: Self.partDate)
                #expect(summary.rows > 0)
            }
            #expect(try await store.completePartDates(.embeddings) == [Self.partDate])
            // The seed's shape: rows of (part_date, shop_no, embedding).
            let rows = try await server.psql("reco", "SELECT count(*), count(DISTINCT shop_no), min(array_length(embedding, 1)) FROM shop_embeddings WHERE part_date = '\(Self.partDate)'")
            #expect(rows.output.trimmingCharacters(in: .whitespacesAndNewlines) == "2000|2000|64")
            try await withTemporaryDirectory { local in
                try await store.download(.embeddings, partDate: Self.partDate, into: local + "/e")
                try await store.download(.candidates, partDate: Self.partDate, into: local + "/c")
                #expect(FileManager.default.fileExists(atPath: local + "/e/_SUCCESS"))
                // Loading is CPU work: on a thread of its own, not one of the two the suite shares.
                let (original, copy) = try await onOwnThread {
                    (try EmbeddingTable.load(directory: "\(demo)/embeddings/\(Self.partDate)", partDate: Self.partDate),
                     try EmbeddingTable.load(directory: local + "/e", partDate: Self.partDate))
                }
                #expect(copy.shopIds == original.shopIds)
                #expect(copy.keywords == original.keywords)
                #expect(copy.dimensions == original.dimensions)
                let (originalNpy, copyNpy) = try await onOwnThread {
                    (try NumpyFloatMatrix.read(path: "\(demo)/embeddings/\(Self.partDate)/shops.npy"),
                     try NumpyFloatMatrix.read(path: local + "/e/shops.npy"))
                }
                #expect(copyNpy.values == originalNpy.values, "vectors round-trip bit for bit")
                let (candidates, candidatesCopy) = try await onOwnThread {
                    (try CandidateBatch.load(directory: "\(demo)/candidates/\(Self.partDate)", partDate: Self.partDate),
                     try CandidateBatch.load(directory: local + "/c", partDate: Self.partDate))
                }
                #expect(candidatesCopy.catalog.shops == candidates.catalog.shops)
                #expect(candidatesCopy.twoTowerLists.mapValues { $0.map(\.shopId) } == candidates.twoTowerLists.mapValues { $0.map(\.shopId) })
                #expect(candidatesCopy.twoTowerLists.mapValues { $0.map(\.score) } == candidates.twoTowerLists.mapValues { $0.map(\.score) })
            }
        }
    }

    @Test("reco load-batch uploads every complete part_date of a data directory and says what it wrote")
    func loadBatchCommand() async throws {
        try await withPostgres { server, store in
            let demo = try await SharedDemoData.root
            let run = try await ChildProcess.run(try RecoProcess.executable(), ["load-batch", demo, "--postgres", server.url])
            #expect(run.status == 0, "\(run.errors)")
            #expect(run.output.contains("embeddings \(Self.partDate): "))
            #expect(run.output.contains("candidates \(Self.partDate): "))
            #expect(try await store.completePartDates(.candidates) == [Self.partDate])
            let refused = try await ChildProcess.run(try RecoProcess.executable(), ["load-batch", demo, "--postgres", "postgres://reco@127.0.0.1:1/reco"])
            #expect(refused.status != 0)
            #expect(refused.errors.contains("PostgreSQL unreachable"), "\(refused.errors)")
        }
    }

    @Test("a batch the service would refuse is refused before upload, naming file and field; nothing is marked complete")
    func badBatchRefused() async throws {
        try await withPostgres { _, store in
            try await withTemporaryDirectory { folder in
                let demo = try await SharedDemoData.root
                try FileManager.default.copyItem(atPath: "\(demo)/candidates/\(Self.partDate)", toPath: folder + "/bad")
                var shops = try String(contentsOfFile: folder + "/bad/shops.tsv", encoding: .utf8).split(separator: "\n").map(String.init)
                var fields = shops[1].split(separator: "\t").map(String.init)
                fields[3] = "nan"
                shops[1] = fields.joined(separator: "\t")
                try (shops.joined(separator: "\n") + "\n").write(toFile: folder + "/bad/shops.tsv", atomically: true, encoding: .utf8)
                let error = await #expect(throws: (any Error).self) {
                    try await store.upload(folder: folder + "/bad", dataset: .candidates, partDate: "2026-11-23")
                }
                #expect("\(error!)".contains("shops.tsv"))
                #expect("\(error!)".contains("latitude"))
                #expect(try await store.completePartDates(.candidates).isEmpty)
            }
        }
    }

    @Test("Similarity and Candidates load from PostgreSQL at start and on LoadPartDate; PostgreSQL down: FAILED_PRECONDITION, the active batch keeps serving")
    func servingFromPostgres() async throws {
        try await withPostgres { server, store in
            let demo = try await SharedDemoData.root
            for dataset in PostgresBatchStore.Dataset.allCases {
                _ = try await store.upload(folder: "\(demo)/\(dataset.rawValue)/\(Self.partDate)", dataset: dataset, partDate: Self.partDate)
            }
            let table = try await onOwnThread { try EmbeddingTable.load(directory: "\(demo)/embeddings/\(Self.partDate)", partDate: Self.partDate) }
            var rank = Reco_V1_RankByKeywordRequest()
            rank.keyword = table.keywords[0]
            rank.candidateShopIds = Array(table.shopIds.prefix(50))
            try await withTemporaryDirectory { data in
                var configuration = RecoNodeConfiguration()
                configuration.port = 0
                configuration.metricsPort = nil
                configuration.threads = 1
                configuration.dataDirectory = data
                configuration.postgresURL = server.url
                let node = try RecoNode(configuration: configuration)
                try await node.start()
                try await withChannel(port: node.grpcPort) { channel in
                    let similarity = Reco_V1_SimilarityService.Client(channel: channel)
                    let candidates = Reco_V1_CandidateService.Client(channel: channel)
                    let first = try await similarity.rankByKeyword(rank)
                    #expect(first.partDate == Self.partDate)
                    #expect(first.shops.count == 50)

                    // A new part_date in the database: LoadPartDate fetches and activates it.
                    _ = try await store.upload(folder: "\(demo)/embeddings/\(Self.partDate)", dataset: .embeddings, partDate: "2026-11-23")
                    var load = Reco_V1_LoadPartDateRequest()
                    load.partDate = "2026-11-23"
                    let loaded = try await similarity.loadPartDate(load)
                    #expect(loaded.partDate == "2026-11-23")
                    #expect(loaded.previousPartDate == Self.partDate)
                    #expect(try await similarity.rankByKeyword(rank).partDate == "2026-11-23")
                    load.partDate = "2026-12-31"
                    let missing = await #expect(throws: RPCError.self) { try await similarity.loadPartDate(load) }
                    #expect(missing?.code == .notFound)

                    // The database goes down: LoadPartDate is FAILED_PRECONDITION, quickly; both keep serving.
                    await server.stop()
                    load.partDate = ""
                    let start = ContinuousClock.now
                    let down = await #expect(throws: RPCError.self) { try await similarity.loadPartDate(load) }
                    #expect(down?.code == .failedPrecondition, "\(String(describing: down))")
                    #expect(down?.message.contains("PostgreSQL") == true)
                    #expect(ContinuousClock.now - start < .seconds(5))
                    let candidatesDown = await #expect(throws: RPCError.self) { try await candidates.loadPartDate(load) }
                    #expect(candidatesDown?.code == .failedPrecondition)
                    #expect(try await similarity.rankByKeyword(rank).partDate == "2026-11-23")
                    var request = Reco_V1_CandidatesRequest()
                    request.userId = "user-0001"
                    request.location = SearchHomeTests.home
                    request.limit = 10
                    #expect(try await candidates.getCandidates(request).partDate == Self.partDate)
                }
                await node.shutdown()

                // Restarted while the database is down: it starts from its last copies.
                let restarted = try RecoNode(configuration: configuration)
                try await restarted.start()
                try await withChannel(port: restarted.grpcPort) { channel in
                    let answer = try await Reco_V1_SimilarityService.Client(channel: channel).rankByKeyword(rank)
                    #expect(answer.partDate == "2026-11-23")
                }
                await restarted.shutdown()
            }
        }
    }
}
