import Foundation
import Reco
import Testing

/// A serving node never writes its data directory; the tool's bootstrap writes demo data only
/// into an empty one, or when forced, and otherwise names what is missing.
@Suite("Demo data bootstrapping")
struct DemoDataBootstrapTests {
    static func contents(_ directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }

    @Test("RecoNode on an empty directory fails with a clear error and writes nothing")
    func nodeWritesNothing() async throws {
        try await withTemporaryDirectory { data in
            var configuration = RecoNodeConfiguration()
            configuration.role = .similarity
            configuration.dataDirectory = data
            configuration.metricsPort = nil
            #expect(throws: (any Error).self) { _ = try RecoNode(configuration: configuration) }
            #expect(Self.contents(data).isEmpty, "the node wrote \(Self.contents(data))")
        }
    }

    @Test("an empty directory gets the demo data; batches already there are left alone")
    func emptyDirectoryGetsDemoData() async throws {
        try await withTemporaryDirectory { data in
            try DemoDataBootstrap.prepare(dataDirectory: data, role: .all, demo: .small, force: false)
            #expect(Self.contents(data).contains("embeddings") && Self.contents(data).contains("candidates"))
            let before = Self.contents(data + "/embeddings")
            try DemoDataBootstrap.prepare(dataDirectory: data, role: .all, demo: .small, force: false)
            #expect(Self.contents(data + "/embeddings") == before)
            var configuration = RecoNodeConfiguration()
            configuration.role = .similarity
            configuration.dataDirectory = data
            configuration.metricsPort = nil
            _ = try RecoNode(configuration: configuration)
        }
    }

    @Test("incomplete batch folders are reported, not papered over, unless forced")
    func incompleteBatches() async throws {
        try await withTemporaryDirectory { data in
            try FileManager.default.createDirectory(atPath: data + "/embeddings/2026-11-30", withIntermediateDirectories: true)
            do {
                try DemoDataBootstrap.prepare(dataDirectory: data, role: .similarity, demo: .small, force: false)
                Issue.record("an incomplete batch was papered over")
            } catch {
                #expect("\(error)".contains("no complete part_date (2026-11-30 has no _SUCCESS)"), "\(error)")
            }
            #expect(Self.contents(data) == ["embeddings"])
            try DemoDataBootstrap.prepare(dataDirectory: data, role: .similarity, demo: .small, force: true)
            #expect(Self.contents(data).contains("candidates"))
        }
    }
}
