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
var keepaliveCase = false
var deadServerCase = false
for part in name.split(separator: ",").map(String.init) {
    if let network = InteropNetworkCase(rawValue: part) {
        networkCases.append(network)
        continue
    }
    switch part {
    case "keepalive_too_many_pings": keepaliveCase = true
    case "keepalive_dead_server": deadServerCase = true
    case "all": cases += InteropTestCase.standard
    case "compression": cases += InteropTestCase.compression
    default:
        guard let single = InteropTestCase(rawValue: part) else {
            FileHandle.standardError.write(Data("interop-client: unknown test case '\(part)'; known: \((InteropTestCase.allCases.map(\.rawValue) + InteropNetworkCase.allCases.map(\.rawValue) + ["keepalive_too_many_pings", "keepalive_dead_server"]).joined(separator: ", "))\n".utf8))
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
if keepaliveCase {
    // A channel that pings far more often than gRPC servers allow (5 minutes), with a call open.
    var eager = configuration
    eager.http2.keepaliveInterval = .milliseconds(100)
    eager.http2.keepaliveTimeout = .seconds(5)
    let pinging = try targetText.map { try GRPCChannel(target: $0, configuration: eager) } ?? GRPCChannel(host: host, port: port, configuration: eager)
    do {
        try await Grpc_Testing_TestService.Client(channel: pinging).fullDuplexCall(options: CallOptions(timeout: .seconds(20))) { _, responses in
            for try await _ in responses {}
        }
        failed += 1
        print("FAIL keepalive_too_many_pings: the call ended OK")
    } catch let error as RPCError where error.code == .unavailable
        && (error.message.contains("ENHANCE_YOUR_CALM") || error.message.lowercased().contains("too many pings")) {
        // Courier and grpc-go end the connection with GOAWAY; gRPC's C core (grpcio) also ends
        // the call with its own status, "Too many pings".
        print("PASS keepalive_too_many_pings (\(error.message))")
    } catch {
        failed += 1
        print("FAIL keepalive_too_many_pings: \(error)")
    }
    await pinging.close()
}
if deadServerCase {
    // A channel with a short keepalive; once its first call is answered it prints READY, and the
    // harness stops the server (SIGSTOP): the open call must fail UNAVAILABLE naming the keepalive
    // within interval + timeout (3.3 s; 15 s allowed), long before its 60 s deadline.
    var watchful = configuration
    watchful.http2.keepaliveInterval = .milliseconds(300)
    watchful.http2.keepaliveTimeout = .seconds(3)
    let watching = try targetText.map { try GRPCChannel(target: $0, configuration: watchful) } ?? GRPCChannel(host: host, port: port, configuration: watchful)
    do {
        try await InteropTestCase.emptyUnary.run(on: watching)
        print("READY", terminator: "\n")
        let started = ContinuousClock.now
        do {
            try await Grpc_Testing_TestService.Client(channel: watching).fullDuplexCall(options: CallOptions(timeout: .seconds(60))) { _, responses in
                for try await _ in responses {}
            }
            failed += 1
            print("FAIL keepalive_dead_server: the call ended OK")
        } catch let error as RPCError where error.code == .unavailable && error.message.contains("keepalive") {
            let elapsed = ContinuousClock.now - started
            if elapsed < .seconds(15) {
                print("PASS keepalive_dead_server (after \(elapsed): \(error.message))")
            } else {
                failed += 1
                print("FAIL keepalive_dead_server: found only after \(elapsed)")
            }
        }
    } catch {
        failed += 1
        print("FAIL keepalive_dead_server: \(error)")
    }
    await watching.close()
}
let total = cases.count + networkCases.count + (keepaliveCase ? 1 : 0) + (deadServerCase ? 1 : 0)
print("\(total - failed) passed, \(failed) failed")
exit(failed == 0 ? 0 : 1)
