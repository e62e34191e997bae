import RecoCandidates
import RecoCore
import RecoHistory
import RecoSearchHome
import RecoSimilarity
import Courier
import RecoProtos
import CourierServices
import Foundation
import Logging
import Synchronization

/// One `reco serve` process: the services of its role on one gRPC port, health and reflection,
/// metrics on an HTTP port, and the stores behind them.
public final class RecoNode: Sendable {
    public let configuration: RecoNodeConfiguration
    public let metrics: RecoMetrics
    private let server: Server
    private let health: HealthService
    private let history: HistoryBackend?
    private let peers: SearchHomePeers?
    private let metricsServer: MetricsHTTPServer?
    /// SearchHome's channels to its peers (made in init for its own role, in `start` for `all`).
    private let channels: Mutex<[GRPCChannel]>
    /// SearchHome's channel to Candidates when it runs alone (its health follows Candidates').
    private let candidatesChannel: GRPCChannel?
    private let logger: Logger
    private let ports: Mutex<(grpc: Int, metrics: Int?)> = Mutex((0, nil))
    private let peerHealth: Mutex<PeerHealthMonitor?> = Mutex(nil)
    /// Batches fetched from a source (PostgreSQL) and loaded in `start`, before the port opens.
    private let batchLoads: [@Sendable () async throws -> Void]

    /// Prepares the stores and services: loads the newest good batches and replays the History
    /// log. Writes nothing to the data directory: a first run's demo data is the `reco` tool's
    /// business (`DemoDataBootstrap`).
    public init(configuration: RecoNodeConfiguration, logger: Logger = Logger(label: "reco")) throws {
        self.configuration = configuration
        self.logger = logger
        let metrics = RecoMetrics()
        self.metrics = metrics
        let role = configuration.role
        let runs = role.runs

        var services: [any CourierService] = []
        if runs(.history) {
            let history = try HistoryBackend(configuration: configuration, metrics: metrics)
            self.history = history
            services.append(HistoryServiceProvider(store: history.store, weights: configuration.weights))
        } else {
            history = nil
        }
        let sources = try BatchSources(configuration: configuration)
        var batchLoads: [@Sendable () async throws -> Void] = []
        if runs(.similarity) {
            let directory = sources.directory(.embeddings)
            let embeddings = try BatchSources.activeBatch(
                EmbeddingTable.self, named: "embeddings", from: directory, logger: logger,
                metadata: ["kernel": "\(VectorKernels.name)"], deferringTo: &batchLoads)
            services.append(SimilarityServiceProvider(embeddings: embeddings, directory: directory))
        }
        if runs(.candidates) {
            let directory = sources.directory(.candidates)
            let candidates = try BatchSources.activeBatch(CandidateBatch.self, named: "candidates", from: directory, logger: logger, deferringTo: &batchLoads)
            services.append(CandidateServiceProvider(batches: candidates, directory: directory))
        }
        self.batchLoads = batchLoads
        var channels: [GRPCChannel] = []
        var candidatesChannel: GRPCChannel?
        if runs(.searchhome) {
            let peers = SearchHomePeers()
            if role == .searchhome {
                func client(_ address: String?, _ flag: String, service: String) throws -> GRPCChannel {
                    guard let address else { throw ConfigurationError("--service searchhome needs \(flag) host:port") }
                    let target = try parseTarget(address, flag: flag)
                    var channelConfiguration = ChannelConfiguration()
                    channelConfiguration.connections = configuration.peerConnections
                    channelConfiguration.security = configuration.peerSecurity
                    // Several replicas of a peer: calls in turn, and a replica whose Health says its
                    // service is NOT_SERVING (or that is gone) leaves the rotation.
                    channelConfiguration.loadBalancing = .roundRobin
                    if case .host = target {} else { channelConfiguration.healthCheckService = service }
                    let channel = GRPCChannel(target: target, configuration: channelConfiguration)
                    channels.append(channel)
                    return channel
                }
                let candidates = try client(configuration.candidatesAddress, "--candidates", service: "reco.v1.CandidateService")
                candidatesChannel = candidates
                peers.connect(.init(
                    history: .init(channel: try client(configuration.historyAddress, "--history", service: "reco.v1.HistoryService")),
                    similarity: .init(channel: try client(configuration.similarityAddress, "--similarity", service: "reco.v1.SimilarityService")),
                    candidates: .init(channel: candidates)))
            }
            self.peers = peers
            services.append(SearchHomeServiceProvider(peers: peers, configuration: configuration.searchHome, metrics: metrics))
        } else {
            peers = nil
        }
        self.channels = Mutex(channels)
        self.candidatesChannel = candidatesChannel

        let health = HealthService()
        for service in services { health.setStatus(.serving, for: service.serviceDescriptor.name) }
        services.append(health)
        self.health = health
        var serverConfiguration = ServerConfiguration()
        serverConfiguration.threads = configuration.threads
        serverConfiguration.security = configuration.serverSecurity
        if !configuration.overloadProtection { serverConfiguration.concurrencyLimit = nil }
        server = Server(
            services: services + ServerReflection.services(describing: services),
            configuration: serverConfiguration, observers: [MetricsObserver(metrics: metrics)])
        metricsServer = configuration.metricsPort.map { _ in MetricsHTTPServer(metrics: metrics) }
    }

    /// Binds the ports (0: any free port) and starts serving. Returns the gRPC port.
    @discardableResult
    public func start() async throws -> Int {
        for load in batchLoads { try await load() }
        let port = try await server.start(host: configuration.host, port: configuration.port)
        if configuration.role == .all, let peers, !configuration.loopbackPeers {
            // Every hop is a call to this process's own server, without HTTP/2 or a socket.
            let transport = server.inProcessTransport()
            peers.connect(.init(history: .init(channel: transport), similarity: .init(channel: transport), candidates: .init(channel: transport)))
            watchCandidates(transport)
        } else if configuration.role == .all, let peers {
            // Every hop is a real RPC through this process's own port.
            var channelConfiguration = ChannelConfiguration()
            channelConfiguration.connections = configuration.peerConnections
            channelConfiguration.security = configuration.peerSecurity
            // On the server's own event loops: a handler's calls to its peers leave from its thread.
            let channel = GRPCChannel(
                host: configuration.host == "0.0.0.0" ? "127.0.0.1" : configuration.host, port: port,
                configuration: channelConfiguration, group: server.eventLoopGroup)
            peers.connect(.init(history: .init(channel: channel), similarity: .init(channel: channel), candidates: .init(channel: channel)))
            channels.withLock { $0.append(channel) }
            // Connected before the first Recommend, which would otherwise pay for it inside its deadline.
            try await channel.connect()
            watchCandidates(channel)
        } else {
            // Peers in other processes may start later: connect in the background, calls retry anyway.
            for channel in channels.withLock({ $0 }) { Task { try? await channel.connect() } }
            if let candidatesChannel { watchCandidates(candidatesChannel) }
        }
        var metricsPort: Int?
        if let metricsServer, let wanted = configuration.metricsPort {
            metricsPort = try await metricsServer.start(host: configuration.host, port: wanted)
        }
        history?.start()
        ports.withLock { $0 = (port, metricsPort) }
        logger.info("reco serving", metadata: [
            "role": "\(configuration.role.rawValue)", "address": "\(configuration.host):\(port)",
            "metrics": "\(metricsPort.map { "http://\(configuration.host):\($0)/metrics" } ?? "off")",
            "services": "\(server.services.map(\.name).joined(separator: ","))",
        ])
        return port
    }

    /// SearchHome's health follows Candidates' (alone, the whole server's does too).
    private func watchCandidates(_ channel: any ClientTransport) {
        var services = [Reco_V1_SearchHomeService.name]
        if configuration.role == .searchhome { services.append("") }
        let monitor = PeerHealthMonitor(candidates: channel, health: health, services: services)
        peerHealth.withLock { $0 = monitor }
    }

    public var grpcPort: Int { ports.withLock { $0.grpc } }
    public var metricsPort: Int? { ports.withLock { $0.metrics } }

    /// Stops taking calls, lets in-flight calls finish, syncs the History log.
    public func shutdown() async {
        peerHealth.withLock { $0?.stop() }
        health.enterShutdown()
        await server.shutdownGracefully()
        for channel in channels.withLock({ $0 }) { await channel.close() }
        await metricsServer?.close()
        do {
            try await history?.shutdown()
        } catch {
            logger.error("history store close failed", metadata: ["error": "\(error)"])
        }
        logger.info("reco stopped")
    }
}
