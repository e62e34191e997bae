import CourierTooling
import ArgumentParser
import Courier
import Foundation
import NIOPosix

struct ScenarioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario",
        abstract: "Users act through HistoryService.Ingest while SearchHomeService.Recommend runs at a fixed rate; measures latency and freshness against a budget.")

    @Option(help: "The reco server (SearchHome and History), host:port.") var target = ServerAddress(argument: "127.0.0.1:50061")!
    @Option(help: "History for the Ingest stream when it runs apart from SearchHome: host:port, or replicas host:port,host:port (default: --target).")
    var historyTarget: String?
    @Option(help: "Recommend calls per second (open loop).") var rate: Double = 2000
    @Option(help: "Measured duration, e.g. 30s.") var duration = DurationArgument(argument: "30s")!
    @Option(help: "Warm-up before measuring (same load, not counted).") var warmup = DurationArgument(argument: "2s")!
    @Option(help: "User actions per second through Ingest (open loop).") var eventRate: Double = 200
    @Option(help: "Simulated users (demo ids user-burger, user-0001...).") var users = 1000
    @Option(help: "Users and their homes from a file (reco-data/demo/users.tsv): each asks from home.") var usersFile: String?
    @Option(help: "Shop ids 1001... that actions pick from.") var shops = 3000
    @Option(help: "Shops per Recommend.") var limit: Int32 = 20
    @Option(help: "Centre of the users' locations, latitude,longitude (the demo city).") var location = "37.5665,126.9780"
    @Option(help: "Users are spread this many degrees around the centre.") var spread = 0.05
    @Flag(help: "Send Recommend without a location (no delivery filter).") var noLocation = false
    @Option(help: "Deadline of each Recommend call.") var deadline = DurationArgument(argument: "1s")!
    @Option(help: "HTTP/2 connections to the target.") var connections = 1
    @OptionGroup var tls: ClientTLSOptions
    @Option(help: "Event loop threads of the client (one: no hops between threads; pin it with taskset).") var threads = 1
    @Option(help: "How often a sampled search is followed until Recommend reflects it.") var probeInterval = DurationArgument(argument: "100ms")!
    @Option(help: "How often a probe asks Recommend while it waits.") var probePoll = DurationArgument(argument: "2ms")!
    @Option(help: "Give up on a probe after this long.") var probeTimeout = DurationArgument(argument: "5s")!
    @Option(help: "Freshness budget: exit non-zero when the p99 misses it.") var budget = DurationArgument(argument: "1s")!
    @Option(help: "Most Recommend calls in flight; beyond it the client counts the call as dropped.") var maxInFlight = 20_000
    @Flag(help: "Print the result as JSON.") var json = false
    @Option(help: "Write a self-contained HTML report here.") var report: String?

    func validate() throws {
        guard rate > 0, eventRate >= 0, users > 0, shops > 0, connections > 0 else {
            throw ValidationError("--rate, --users, --shops and --connections must be positive, --event-rate not negative")
        }
        for (flag, value) in [("--duration", duration), ("--deadline", deadline), ("--probe-interval", probeInterval),
                              ("--probe-poll", probePoll), ("--probe-timeout", probeTimeout), ("--budget", budget)] {
            guard value.duration > .zero else { throw ValidationError("\(flag) must be longer than zero, got \(value.duration)") }
        }
        guard warmup.duration >= .zero else { throw ValidationError("--warmup must not be negative") }
        guard rate.isFinite, eventRate.isFinite else { throw ValidationError("--rate and --event-rate must be finite") }
        guard location.split(separator: ",").count == 2, location.split(separator: ",").allSatisfy({ Double($0) != nil }) else {
            throw ValidationError("--location: expected latitude,longitude, got \(location)")
        }
    }

    func run() async throws {
        var configuration = ChannelConfiguration()
        configuration.connections = connections
        configuration.security = try tls.security()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, threads))
        let channel = GRPCChannel(host: target.host, port: target.port, configuration: configuration, group: group)
        defer { Task { await channel.close() } }
        var historyChannel = channel
        if let historyTarget {
            let replicas = try historyTarget.split(separator: ",").map { part -> SubchannelAddress in
                guard let address = ServerAddress(argument: String(part)) else {
                    throw ValidationError("--history-target: expected host:port or host:port,host:port, got \(historyTarget)")
                }
                return .host(address.host, port: address.port)
            }
            var historyConfiguration = configuration
            historyConfiguration.loadBalancing = .roundRobin
            historyChannel = GRPCChannel(target: .addresses(replicas), configuration: historyConfiguration, group: group)
        }
        defer { if historyChannel !== channel { Task { [historyChannel] in await historyChannel.close() } } }
        var actions = ScenarioActions(
            users: users, shops: shops, runId: "lt\(UInt32.random(in: 0...UInt32.max))",
            center: noLocation ? nil : (Double(location.split(separator: ",")[0])!, Double(location.split(separator: ",")[1])!),
            spread: spread)
        if let usersFile {
            actions.knownUsers = try ScenarioActions.readUsers(path: usersFile)
            guard !actions.knownUsers.isEmpty else { throw ValidationError("--users-file: \(usersFile) lists no users") }
        }
        let scenario = ScenarioRun(
            channel: channel, historyChannel: historyChannel, settings: .init(
                rate: rate, duration: duration.duration, warmup: warmup.duration, eventRate: eventRate,
                limit: limit, deadline: deadline.duration, probeInterval: probeInterval.duration,
                probePoll: probePoll.duration, probeTimeout: probeTimeout.duration, maxInFlight: maxInFlight),
            actions: actions)
        let result = try await scenario.run(progress: isatty(STDERR_FILENO) == 1)
        let summary = ScenarioSummary(result: result, settings: scenario.settings, target: target.description, budget: budget.duration)
        if json {
            print(try summary.json())
        } else {
            print(summary.table())
        }
        if let report {
            try HTMLReport.scenario(summary: summary, result: result).write(toFile: report, atomically: true, encoding: .utf8)
            FileHandle.standardError.write(Data("report: \(report)\n".utf8))
        }
        if !summary.passed { throw ExitCode(1) }
    }
}
