import ArgumentParser
import Courier
import GRPCServiceProtos
import RecoProtos
import Foundation
import NIOPosix
import Reco

/// Where a RankByKeyword call's time goes beyond the ranking itself (issue 15): the same queries
/// ranked in-process, their request and response encoded and decoded alone, a trivial call's
/// round trip (Health.Check) and the full call over RPC, one at a time, and the server's CPU per
/// call (from /proc) when its pid is given. Figures printed, never asserted.
struct SimilaritySplit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "similarity-split", abstract: "RankByKeyword's round trip split into ranking, protobuf, call path and the rest.")
    @OptionGroup var workload: SimilarityWorkload
    @Option(help: "Similarity server port on 127.0.0.1.") var port: Int
    @Option(help: "The server's pid, to read its CPU time per call from /proc.") var pid: Int?

    func run() async throws {
        let table = try workload.table()
        let requests = workload.requests(from: table, count: workload.warmup + workload.queries)
        let measured = Array(requests.dropFirst(workload.warmup))
        let clock = ContinuousClock()
        func time(_ label: String, _ body: () throws -> Void) rethrows -> Double {
            let start = clock.now
            try body()
            let micros = Self.micros(clock.now - start) / Double(measured.count)
            Self.line(label, micros)
            return micros
        }

        // The server's work without the call: rank, then the response the handler builds.
        var responses: [Reco_V1_RankResponse] = []
        let rank = time("rank in-process (table.rank + response message)") {
            responses = measured.map { request in
                table.rank(keyword: request.keyword, candidates: request.candidates, topK: workload.topK)
                    .map { Reco_V1_RankResponse($0, partDate: table.partDate) } ?? Reco_V1_RankResponse()
            }
        }
        // The same ranking with the caches cold, as a server that sleeps between calls finds
        // them: 8 MiB (more than this host's last-level cache) is read between queries, outside the clock.
        var scratch = [UInt8](repeating: 1, count: 8 << 20)
        var coldTotal: Duration = .zero
        var checksum = 0
        for request in measured {
            for offset in stride(from: 0, to: scratch.count, by: 64) { checksum &+= Int(scratch[offset]) }
            scratch[checksum & 0xFFFF] &+= 1
            let start = clock.now
            checksum &+= table.rank(keyword: request.keyword, candidates: request.candidates, topK: workload.topK)?.shops.count ?? 0
            coldTotal += clock.now - start
        }
        Self.line("rank in-process, caches cold (table.rank only)", Self.micros(coldTotal) / Double(measured.count))
        var encodedRequests: [[UInt8]] = []
        var encodedResponses: [[UInt8]] = []
        let requestEncode = try time("request encode (1,000 ids)") { encodedRequests = try measured.map { try $0.serializedBytes() } }
        let requestDecode = try time("request decode") { for bytes in encodedRequests { _ = try Reco_V1_RankByKeywordRequest(serializedBytes: bytes) } }
        let responseEncode = try time("response encode (\(workload.topK) shops)") { encodedResponses = try responses.map { try $0.serializedBytes() } }
        let responseDecode = try time("response decode") { for bytes in encodedResponses { _ = try Reco_V1_RankResponse(serializedBytes: bytes) } }
        print(String(format: "  bytes per query: request %.0f, response %.0f",
                     Double(encodedRequests.map(\.count).reduce(0, +)) / Double(measured.count),
                     Double(encodedResponses.map(\.count).reduce(0, +)) / Double(measured.count)))

        // One event loop for the client: no hops between threads on its core.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel = GRPCChannel(host: "127.0.0.1", port: port, group: group)
        let similarity = Reco_V1_SimilarityService.Client(channel: channel)
        let health = Grpc_Health_V1_Health.Client(channel: channel)
        for request in requests.prefix(workload.warmup) {
            _ = try await similarity.rankByKeyword(request)
            _ = try await health.check(Grpc_Health_V1_HealthCheckRequest())
        }
        var cpuBefore = pid.map(Self.cpuMicros)
        var start = clock.now
        for _ in measured { _ = try await health.check(Grpc_Health_V1_HealthCheckRequest()) }
        let trivial = Self.micros(clock.now - start) / Double(measured.count)
        Self.line("trivial call round trip (Health.Check, c=1)", trivial)
        if let pid, let cpuBefore { Self.line("  server CPU per Health.Check", Double(Self.cpuMicros(pid) - cpuBefore) / Double(measured.count)) }
        cpuBefore = pid.map(Self.cpuMicros)
        start = clock.now
        for request in measured { _ = try await similarity.rankByKeyword(request) }
        let rpc = Self.micros(clock.now - start) / Double(measured.count)
        Self.line("RankByKeyword over RPC (c=1)", rpc)
        if let pid, let cpuBefore { Self.line("  server CPU per RankByKeyword", Double(Self.cpuMicros(pid) - cpuBefore) / Double(measured.count)) }
        let explained = trivial + rank + requestEncode + requestDecode + responseEncode + responseDecode
        print(String(format: "unexplained: %.1f us = RPC %.1f - (round trip %.1f + rank %.1f + protobuf %.1f)",
                     rpc - explained, rpc, trivial, rank, requestEncode + requestDecode + responseEncode + responseDecode))
        await channel.close()
        try await group.shutdownGracefully()
    }

    static func line(_ label: String, _ micros: Double) {
        print(label.padding(toLength: 52, withPad: " ", startingAt: 0) + String(format: "%8.1f us/query", micros))
    }

    static func micros(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1e6 + Double(duration.components.attoseconds) / 1e12
    }

    /// User + system CPU of a process, in microseconds.
    static func cpuMicros(_ pid: Int) -> Int {
        let fields = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.split(separator: " ") ?? []
        guard fields.count > 15, let user = Int(fields[13]), let system = Int(fields[14]) else { return 0 }
        return (user + system) * 1_000_000 / Int(sysconf(Int32(_SC_CLK_TCK)))
    }
}
