// interop-client --server_host H --server_port N --test_case NAME[,NAME…]|all|compression
//                [--compression gzip|deflate]
//                [--use_tls true [--ca_file F] [--server_host_override NAME] [--tls_cert_file F --tls_key_file F]]
//                [--target dns:///host:port|ipv4:a:p,b:q|unix:///path --lb pick_first|round_robin]
//
// gRPC's interop client convention: runs the named cases ("all": the standard ones every server
// answers; "compression": the four compression cases, requests compressed with --compression),
// prints a line per case and exits non-zero if any failed. Cases of Courier's own:
// "keepalive_too_many_pings" pings every 100 ms under an idle call and expects the server's
// keepalive policy to end the connection (GOAWAY ENHANCE_YOUR_CALM "too_many_pings");
// "retry_unavailable" and "health_checked_round_robin" (InteropNetworkCase) test the client's
// retries and health-checked round robin against servers that follow TestServiceProvider's conventions;
// "keepalive_dead_server" prints READY once connected and expects its keepalive to find the server
// dead after the harness stops it (SIGSTOP).
import Courier
import CourierInterop
import CourierProtos
import Foundation

StandardOutput.makeLineBuffered()

var arguments = InteropArguments(CommandLine.arguments.dropFirst())
let host = arguments.string("server_host") ?? "127.0.0.1"
let port = arguments.int("server_port") ?? 50051
let name = arguments.string("test_case") ?? "all"
let compressionName = arguments.string("compression") ?? "gzip"
let targetText = arguments.string("target")
let policy = arguments.string("lb") ?? "pick_first"
var configuration = ChannelConfiguration()
switch policy {
case "pick_first": configuration.loadBalancing = .pickFirst
case "round_robin": configuration.loadBalancing = .roundRobin
default:
    FileHandle.standardError.write(Data("interop-client: --lb must be pick_first or round_robin, not '\(policy)'\n".utf8))
    exit(2)
}
do {
    configuration.security = try arguments.clientTLS()
} catch {
    FileHandle.standardError.write(Data("interop-client: \(error)\n".utf8))
    exit(2)
}
if let problem = arguments.unknown() {
    FileHandle.standardError.write(Data("interop-client: \(problem)\n".utf8))
    exit(2)
}
guard let compression = CompressionAlgorithm(name: compressionName), compression != .identity else {
    FileHandle.standardError.write(Data("interop-client: --compression must be gzip or deflate, not '\(compressionName)'\n".utf8))
    exit(2)
}
var cases: [InteropTestCase] = []
var networkCases: [InteropNetworkCase] = []
for part in name.split(separator: ",").map(String.init) {
    if let network = InteropNetworkCase(rawValue: part) {
        networkCases.append(network)
        continue
    }
    switch part {
    case "all": cases += InteropTestCase.standard
    case "compression": cases += InteropTestCase.compression
    default:
        guard let single = InteropTestCase(rawValue: part) else {
            FileHandle.standardError.write(Data("interop-client: unknown test case '\(part)'; known: \((InteropTestCase.allCases.map(\.rawValue) + InteropNetworkCase.allCases.map(\.rawValue)).joined(separator: ", "))\n".utf8))
            exit(2)
        }
        cases.append(single)
    }
}

let channel: GRPCChannel
do {
    // A target (several servers, DNS, a Unix socket) instead of --server_host and --server_port.
    channel = try targetText.map { try GRPCChannel(target: $0, configuration: configuration) }
        ?? GRPCChannel(host: host, port: port, configuration: configuration)
} catch {
    FileHandle.standardError.write(Data("interop-client: --target: \(error)\n".utf8))
    exit(2)
}
var failed = 0
for testCase in cases {
    do {
        let note = try await testCase.run(on: channel, compression: compression)
        print("PASS \(testCase.rawValue)" + (note.map { " (\($0))" } ?? ""))
    } catch {
        failed += 1
        print("FAIL \(testCase.rawValue): \(error)")
    }
}
await channel.close()
for testCase in networkCases {
    do {
        let target = try targetText.map { try ChannelTarget(parsing: $0) } ?? .host(host, port: port)
        let note = try await testCase.run(target: target, configuration: configuration)
        print("PASS \(testCase.rawValue)" + (note.map { " (\($0))" } ?? ""))
    } catch {
        failed += 1
        print("FAIL \(testCase.rawValue): \(error)")
    }
}
let total = cases.count + networkCases.count
print("\(total - failed) passed, \(failed) failed")
exit(failed == 0 ? 0 : 1)
