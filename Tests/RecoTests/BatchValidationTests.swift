import Courier
import RecoProtos
import Foundation
import Reco
import Testing

/// Bad batch files are refused with the file, line and field; they never crash the process, and
/// the batch already serving keeps serving.
@Suite("Batch files are validated", .timeLimit(.minutes(1)))
struct BatchValidationTests {
    static let header = "shop_id\tname\tcategory\tlatitude\tlongitude\tdelivery_radius_m\tpopularity\n"
    static let goodShops = header + "1\t가게 1\t한식\t37.5\t127.0\t2000\t5\n2\t가게 2\t중식\t37.51\t127.0\t2000\t3\n"

    /// A candidate part_date folder with `shops` as shops.tsv and a two-tower list for u1.
    static func writeCandidates(_ shops: String, twoTower: String = "user_id\tshops\nu1\t1:0.9,2:0.5\n", to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try shops.write(toFile: directory + "/shops.tsv", atomically: true, encoding: .utf8)
        try twoTower.write(toFile: directory + "/two_tower.tsv", atomically: true, encoding: .utf8)
        try Data().write(to: URL(fileURLWithPath: directory + "/_SUCCESS"))
    }

    @Test("shops.tsv: non-finite, out-of-range and repeated values are refused naming file, line and field",
          arguments: [
              ("3\tx\ty\t1e300\t127.0\t2000\t1", "shops.tsv:4: latitude"),
              ("3\tx\ty\tnan\t127.0\t2000\t1", "shops.tsv:4: latitude"),
              ("3\tx\ty\t37.5\tinf\t2000\t1", "shops.tsv:4: longitude"),
              ("3\tx\ty\t37.5\t127.0\t1e300\t1", "shops.tsv:4: delivery_radius_m"),
              ("3\tx\ty\t37.5\t127.0\t-1\t1", "shops.tsv:4: delivery_radius_m"),
              ("3\tx\ty\t37.5\t127.0\t2000\tnan", "shops.tsv:4: popularity"),
              ("2\tx\ty\t37.5\t127.0\t2000\t1", "shops.tsv:4: shop_id: 2 already appears on line 3"),
              ("99999999999999999999\tx\ty\t37.5\t127.0\t2000\t1", "shops.tsv:4: shop_id"),
              ("3\t\ty\t37.5\t127.0\t2000\t1", "shops.tsv:4: name"),
              ("3\tx\ty\t37.5", "shops.tsv:4: expected 7 tab-separated fields"),
          ])
    func badShops(line: String, expected: String) async throws {
        try await withTemporaryDirectory { root in
            try Self.writeCandidates(Self.goodShops + line + "\n", to: root + "/2026-11-22")
            let error = #expect(throws: ConfigurationError.self) { try CandidateBatch.load(directory: root + "/2026-11-22", partDate: "2026-11-22") }
            #expect(error?.description.contains(expected) == true, "\(error?.description ?? "")")
        }
    }

    @Test("two_tower.tsv: a repeated user and a non-finite score are refused naming the line")
    func badTwoTower() async throws {
        try await withTemporaryDirectory { root in
            try Self.writeCandidates(Self.goodShops, twoTower: "user_id\tshops\nu1\t1:0.9\nu1\t2:0.5\n", to: root + "/a")
            let repeated = #expect(throws: ConfigurationError.self) { try CandidateBatch.load(directory: root + "/a", partDate: "a") }
            #expect(repeated?.description.contains("two_tower.tsv:3: user_id") == true, "\(repeated?.description ?? "")")
            try Self.writeCandidates(Self.goodShops, twoTower: "user_id\tshops\nu1\t1:nan\n", to: root + "/b")
            let nan = #expect(throws: ConfigurationError.self) { try CandidateBatch.load(directory: root + "/b", partDate: "b") }
            #expect(nan?.description.contains("two_tower.tsv:2: list") == true, "\(nan?.description ?? "")")
        }
    }

    @Test(".npy: a shape whose size overflows, or that the file does not hold, is refused")
    func hostileNpyShape() async throws {
        try await withTemporaryDirectory { root in
            for shape in ["(4611686018427387904, 2)", "(2, 4611686018427387904)", "(-1, 3)", "(1000, 1000)"] {
                var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
                header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
                var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, UInt8(header.utf8.count & 0xFF), UInt8(header.utf8.count >> 8)]
                bytes += Array(header.utf8) + [UInt8](repeating: 0, count: 24)
                try Data(bytes).write(to: URL(fileURLWithPath: root + "/m.npy"))
                #expect(throws: NumpyFloatMatrix.FormatError.self, "shape \(shape)") { try NumpyFloatMatrix.read(path: root + "/m.npy") }
            }
        }
    }

    @Test("embeddings with a NaN component are refused naming file and row")
    func nanEmbedding() async throws {
        try await withTemporaryDirectory { root in
            let space = ReferenceSpace(seed: 3, shops: 20, keywords: 4, dimensions: 8)
            try space.write(to: root + "/d")
            var values = space.shopVectors.flatMap { $0 }
            values[8 * 5 + 2] = .nan
            try NumpyFloatMatrix.write(path: root + "/d/shops.npy", rows: 20, columns: 8, values: values)
            let error = #expect(throws: EmbeddingLoadError.self) { try EmbeddingTable.load(directory: root + "/d", partDate: "d") }
            #expect(error?.description.contains("shops.npy: row 5, column 2") == true, "\(error?.description ?? "")")
        }
    }

    @Test("LoadPartDate over a socket: bad batch FAILED_PRECONDITION naming the file, missing NOT_FOUND, malformed INVALID_ARGUMENT; the active batch keeps serving")
    func loadPartDateStatuses() async throws {
        try await withTemporaryDirectory { root in
            try Self.writeCandidates(Self.goodShops, to: root + "/2026-11-22")
            try Self.writeCandidates(Self.goodShops + "3\tx\ty\tnan\t127.0\t2000\t1\n", to: root + "/2026-11-23")
            let directory = PartDateDirectory(root: root)
            let active = try CandidateBatch.load(directory: root + "/2026-11-22", partDate: "2026-11-22")
            let provider = CandidateServiceProvider(batches: ActiveBatch(active), directory: directory)
            try await withServer([provider]) { (port: Int) async throws -> Void in
                try await withChannel(port: port) { (channel: GRPCChannel) async throws -> Void in
                    let candidates = Reco_V1_CandidateService.Client(channel: channel)
                    func load(_ partDate: String) async -> RPCError? {
                        var request = Reco_V1_LoadPartDateRequest()
                        request.partDate = partDate
                        return await #expect(throws: RPCError.self) { try await candidates.loadPartDate(request) }
                    }
                    let bad = await load("2026-11-23")
                    #expect(bad?.code == .failedPrecondition)
                    #expect(bad?.message.contains("2026-11-23/shops.tsv:4: latitude") == true, "\(bad?.message ?? "")")
                    #expect(await load("2099-01-01")?.code == .notFound)
                    #expect(await load("../../etc")?.code == .invalidArgument)
                    #expect(await load(".hidden")?.code == .invalidArgument)
                    var request = Reco_V1_CandidatesRequest()
                    request.userId = "u1"
                    #expect(try await candidates.getCandidates(request).partDate == "2026-11-22")
                }
            }
        }
    }
}
