import ArgumentParser
import Courier
import Foundation
import NIOPosix
import CourierSchema
import CourierTooling
import Histogram

/// `loadtest rpc`: one method of any gRPC server, like ghz. The request is protobuf bytes (a file,
/// hex or base64); closed loop (connections x streams calls in flight) or open loop (a fixed
/// rate, latency from each call's intended send time); by count or duration; warm-up excluded.
struct RPCCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rpc", abstract: "Load one method of any Courier or gRPC server with an encoded request.")

    @Option(help: "The server, host:port.") var target: ServerAddress
    @Option(help: "The method: package.Service/Method (a leading / is fine).") var method: String
    @Option(help: "The request as JSON (protobuf's JSON mapping; @FILE reads a file); its type comes from the server's reflection or --descriptor-set.")
    var data: String?
    @Option(help: "A FileDescriptorSet (protoc --descriptor_set_out --include_imports) to read the request type from, instead of reflection.")
    var descriptorSet: String?
    @Option(help: "The request: a file of protobuf bytes.") var dataFile: String?
    @Option(help: "The request as hex.") var dataHex: String?
    @Option(help: "The request as base64.") var dataBase64: String?
    @Option(help: "Measured calls (after warm-up); the run ends at this count or --duration, whichever first.") var total: Int?
    @Option(help: "Measured duration, e.g. 10s.") var duration: DurationArgument?
    @Option(help: "Warm-up before measuring: calls made, not counted.") var warmup = DurationArgument(argument: "1s")!
    @Option(help: "Open loop: calls per second from a fixed schedule. Without it, closed loop.") var rate: Double?
    @Option(help: "HTTP/2 connections.") var connections = 1
    @OptionGroup var tls: ClientTLSOptions
    @Option(help: "Event loop threads of the client (one: no hops between threads; pin it with taskset).") var threads = 1
    @Option(help: "Closed loop: calls in flight per connection.") var streams = 1
    @Option(help: "Deadline of each call; 0 for none (no grpc-timeout header, as h2load sends).") var deadline = DurationArgument(argument: "5s")!
    @Option(help: "Open loop: most calls in flight; beyond it a call counts as dropped.") var maxInFlight = 20_000
    @Flag(help: "Closed loop: make each call a Swift task (async/await) instead of chaining calls on the connections' event loops (to compare the two).")
    var asyncCalls = false
    @Flag(help: "Print the result as JSON.") var json = false
    @Option(help: "Write a self-contained HTML report here.") var report: String?

    func validate() throws {
        guard [data, dataFile, dataHex, dataBase64].compactMap({ $0 }).count <= 1 else {
            throw ValidationError("give the request once: --data, --data-file, --data-hex or --data-base64")
        }
        guard total != nil || duration != nil else { throw ValidationError("say how long: --total N and/or --duration 10s") }
        if let total { guard total > 0 else { throw ValidationError("--total must be positive") } }
        if let duration { guard duration.duration > .zero else { throw ValidationError("--duration must be longer than zero, got \(duration.duration)") } }
        guard warmup.duration >= .zero else { throw ValidationError("--warmup must not be negative") }
        guard deadline.duration >= .zero else { throw ValidationError("--deadline must not be negative (0: none)") }
        guard connections > 0, streams > 0 else { throw ValidationError("--connections and --streams must be positive") }
        if let rate { guard rate > 0, rate.isFinite else { throw ValidationError("--rate must be positive") } }
        _ = try parsedMethod()
    }

    func parsedMethod() throws -> MethodDescriptor {
        do {
            let (service, name) = try JSONCall.split(method)
            return MethodDescriptor(service: service, method: name, kind: .unary)
        } catch {
            throw ValidationError("--method: \(error)")
        }
    }

    /// The request bytes; JSON is encoded through descriptors from `--descriptor-set` or the
    /// server's reflection.
    func request(channel: GRPCChannel) async throws -> [UInt8] {
        if let data {
            let json = data.hasPrefix("@") ? String(decoding: try EncodedBytes.file(String(data.dropFirst())), as: UTF8.self) : data
            let method = try parsedMethod()
            var pool: DescriptorPool
            if let descriptorSet {
                pool = try LocalSchema(descriptorSets: [descriptorSet]).pool()
            } else {
                pool = DescriptorPool()
                do {
                    try await ReflectionDescriptors.load(symbol: method.service, over: channel, into: &pool)
                } catch {
                    throw ValidationError("--data: cannot read \(method.service) through reflection (\(error)); give --descriptor-set")
                }
            }
            do {
                return try JSONCall(path: method.path, pool: pool).encodeRequests([json])[0]
            } catch {
                throw ValidationError("--data: \(error)")
            }
        }
        return try encodedRequest()
    }

    func encodedRequest() throws -> [UInt8] {
        do {
            if let dataFile { return try EncodedBytes.file(dataFile) }
            if let dataHex { return try EncodedBytes.hex(dataHex) }
            if let dataBase64 { return try EncodedBytes.base64(dataBase64) }
        } catch {
            throw ValidationError("the request: \(error)")
        }
        return []
    }

    func run() async throws {
        var configuration = ChannelConfiguration()
        configuration.connections = connections
        configuration.security = try tls.security()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        let channel = GRPCChannel(host: target.host, port: target.port, configuration: configuration, group: group)
        let load = RPCLoad(
            channel: channel, method: try parsedMethod(), request: try await request(channel: channel),
            settings: .init(total: total, duration: duration?.duration, warmup: warmup.duration, rate: rate,
                            workers: connections * streams, deadline: deadline.timeout, maxInFlight: maxInFlight,
                            streams: streams, asyncCalls: asyncCalls))
        let result = await load.run(progress: isatty(STDERR_FILENO) == 1)
        await channel.close()
        let summary = RPCSummary(result: result, target: target.description, method: try parsedMethod(), rate: rate, connections: connections, streams: streams)
        print(json ? try summary.json() : summary.table())
        if let report {
            let html = HTMLReport.render(
                title: "\(summary.method) on \(target)", verdict: nil, table: summary.table(), json: (try? summary.json()) ?? "{}",
                timelineName: summary.method, timeline: result.latency.perSecond, series: [(summary.method, result.latency.histogram, "#1f6fb4")])
            try html.write(toFile: report, atomically: true, encoding: .utf8)
            FileHandle.standardError.write(Data("report: \(report)\n".utf8))
        }
        if summary.ok == 0 { throw ExitCode(1) }
    }
}
