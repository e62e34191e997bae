import ArgumentParser
import Courier
import CourierTLS
import Foundation
import Logging
import Reco

extension RecoRole: ExpressibleByArgument {}
extension HistorySyncPolicy: ExpressibleByArgument {}

enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the recommendation services (all of them on one port by default).")

    @Option(help: "Which service to run: \(RecoRole.allCases.map(\.rawValue).joined(separator: ", ")).")
    var service: RecoRole = .all
    @Option(help: "Address to bind.") var host = "127.0.0.1"
    @Option(help: "gRPC port (0: any free port).") var port = 50061
    @Option(help: "Event loop threads.") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Prometheus /metrics port over HTTP/1.1 (0: any free port).") var metricsPort = 9464
    @Flag(help: "Serve no /metrics endpoint.") var noMetrics = false
    @Option(help: "Data directory: embeddings/, candidates/, history/ (demo data is generated when empty).")
    var dataDir = "reco-data"
    @Option(help: "Seed of the generated demo data.") var seed: UInt64 = 42
    @Flag(help: "Write the demo data set into --data-dir even when it holds incomplete batch folders (it is always written into an empty one).")
    var demo = false
    @Option(help: "HistoryService address for --service searchhome: host:port, replicas as host:port,host:port (round robin, health-checked), or a gRPC target such as dns:///history:50061.")
    var history: String?
    @Option(help: "SimilarityService address(es), as --history.") var similarity: String?
    @Option(help: "CandidateService address(es), as --history.") var candidates: String?
    @Option(help: "Connections SearchHome opens to each peer.") var peerConnections = 1
    @Option(help: "TLS: the server's certificate chain (PEM); with --tls-key the gRPC port speaks TLS only (SIGHUP reloads both).")
    var tlsCert: String?
    @Option(help: "TLS: the server's private key (PEM).") var tlsKey: String?
    @Option(help: "TLS: require client certificates issued by this CA (PEM): mutual TLS.") var tlsClientCa: String?
    @Flag(help: "SearchHome calls its peers over TLS (trusting the system's CAs unless --peer-tls-ca).") var peerTls = false
    @Option(help: "TLS to peers: a PEM file of CA certificates to trust.") var peerTlsCa: String?
    @Option(help: "TLS to peers: a client certificate (PEM), for peers that require one.") var peerTlsCert: String?
    @Option(help: "TLS to peers: the client certificate's key (PEM).") var peerTlsKey: String?
    @Option(help: "TLS to peers: the name their certificates are checked against, instead of the host dialled.") var peerTlsServerName: String?
    @Flag(help: "With --service all: SearchHome calls its peers through this process's own port (HTTP/2 over loopback, as a split deployment would) instead of in-process.")
    var loopbackPeers = false
    @Option(help: "How long History keeps actions, seconds (its window: at most 3600).") var historyTtl = 3600
    @Option(help: "Most actions History keeps per user and per session; the oldest beyond it are dropped (counted in the metric reco_history_actions_dropped_total and logged).")
    var historyMaxPerUser = 1000
    @Option(help: "When the History log is fsynced: always, every-second, never.") var historySync: HistorySyncPolicy = .everySecond
    @Option(help: "Similarity's and Candidates' batches from PostgreSQL (postgres://user@host:port/db; uploaded with reco load-batch): the newest complete part_date at start and the one LoadPartDate names, copied into --data-dir/postgres/.")
    var postgres: String?
    @Option(help: "History on Redis (host:port): actions go through a Redis stream into a shared store every History replica reads (default: the embedded log in --data-dir).")
    var redis: String?
    @Option(help: "With --redis: this History replica's consumer name (default: history-<host>-<pid>).") var redisConsumer: String?
    @Option(help: "With --redis: prefix of every key (the stream is <prefix>actions).") var redisKeyPrefix = "reco:"
    @Option(help: "With --redis: the stream is capped near this many entries (XADD MAXLEN ~).") var redisStreamMaxlen = 1_000_000
    @Flag(help: "With --redis: this replica ingests and answers but does not move actions from the stream into the shared store (other replicas do).")
    var noRedisConsumer = false
    @Option(help: "With --redis: entries another replica read and left unacknowledged this long (it died) are claimed, milliseconds.")
    var redisClaimIdleMs = 5000
    @Option(help: "Implicit-feedback weights, e.g. click=1,view=0.5,cart=1.5,order=2,search=1.") var weights: String?
    @Option(help: "Share of users in group B (re-rank), 0...1.") var rerankShare = 0.5
    @Option(help: "Budget of one Recommend call, milliseconds.") var deadlineMs = 150
    @Flag(help: "Admit every call: no adaptive concurrency limit, no refusal of calls whose deadline is too short (for comparison).")
    var noOverloadProtection = false
    @Option(help: "Write the bound gRPC port to this file once serving (for scripts and tests).")
    var portFile: String?
    @Option(help: "Log format: text or json.") var logFormat: LogFormat = .text
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"

    func run() async throws {
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("--log-level: unknown level \(logLevel)") }
        let format = logFormat
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = format == .json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        guard (0...1).contains(rerankShare) else { throw ValidationError("--rerank-share: must be within 0...1") }
        guard historyTtl > 0, historyTtl <= 3600 else { throw ValidationError("--history-ttl: must be 1...3600 seconds (History answers at most the last hour)") }
        guard historyMaxPerUser > 0 else { throw ValidationError("--history-max-per-user: must be positive") }
        guard deadlineMs > 0 else { throw ValidationError("--deadline-ms: must be positive") }

        var configuration = RecoNodeConfiguration()
        configuration.role = service
        configuration.host = host
        configuration.port = port
        configuration.threads = threads
        configuration.metricsPort = noMetrics ? nil : metricsPort
        configuration.dataDirectory = dataDir
        configuration.historyMaxPerUser = historyMaxPerUser
        configuration.historyAddress = history
        configuration.similarityAddress = similarity
        configuration.candidatesAddress = candidates
        configuration.peerConnections = peerConnections
        configuration.loopbackPeers = loopbackPeers
        configuration.historyRetention = .seconds(historyTtl)
        configuration.historySync = historySync
        configuration.redisAddress = redis
        configuration.postgresURL = postgres
        configuration.redisConsumerName = redisConsumer
        configuration.redisConsumer = !noRedisConsumer
        configuration.redisKeyPrefix = redisKeyPrefix
        guard redisStreamMaxlen > 0 else { throw ValidationError("--redis-stream-maxlen: must be positive") }
        configuration.redisStreamMaxLength = redisStreamMaxlen
        guard redisClaimIdleMs > 0 else { throw ValidationError("--redis-claim-idle-ms: must be positive") }
        configuration.redisClaimIdle = .milliseconds(redisClaimIdleMs)
        if let weights { configuration.weights = try ActionWeights(parsing: weights) }
        configuration.searchHome.rerankShare = rerankShare
        configuration.searchHome.deadline = .milliseconds(deadlineMs)
        configuration.overloadProtection = !noOverloadProtection
        let serverTLS = try serverSecurity()
        configuration.serverSecurity = serverTLS
        if peerTls || peerTlsCa != nil || peerTlsCert != nil || peerTlsServerName != nil {
            configuration.peerSecurity = try ClientTLS(
                trustRoots: peerTlsCa.map { .pemFile($0) } ?? .system, certificateFile: peerTlsCert, keyFile: peerTlsKey,
                serverNameOverride: peerTlsServerName)
        }

        var demoData = DemoDataGenerator.Configuration()
        demoData.seed = seed
        // Batches from PostgreSQL need no demo data on disk.
        if postgres == nil { try DemoDataBootstrap.prepare(dataDirectory: dataDir, role: service, demo: demoData, force: demo, logger: Logger(label: "reco")) }
        let node = try RecoNode(configuration: configuration)
        let bound = try await node.start()
        print("reco listening on \(host):\(bound)")
        fflush(nil)
        if let portFile {
            try "\(bound)\n".write(toFile: portFile + ".tmp", atomically: false, encoding: .utf8)
            rename(portFile + ".tmp", portFile)
        }
        let reloads = serverTLS.map(Self.reloadOnHangUp)
        await ShutdownSignal.wait()
        reloads?.cancel()
        await node.shutdown()
    }

    /// The server's TLS from --tls-cert, --tls-key and --tls-client-ca; nil without them.
    private func serverSecurity() throws -> ServerTLS? {
        guard tlsCert != nil || tlsKey != nil || tlsClientCa != nil else { return nil }
        guard let tlsCert, let tlsKey else { throw ValidationError("TLS needs both --tls-cert and --tls-key") }
        return try ServerTLS(certificateFile: tlsCert, keyFile: tlsKey, clientCAFile: tlsClientCa)
    }

    /// SIGHUP reads the certificate files again (a renewal), for new connections, without a restart.
    private static func reloadOnHangUp(_ tls: ServerTLS) -> any DispatchSourceSignal {
        signal(SIGHUP, SIG_IGN)
        let source = DispatchSource.makeSignalSource(signal: SIGHUP)
        let logger = Logger(label: "reco")
        source.setEventHandler {
            do {
                try tls.reload()
                logger.notice("TLS certificate reloaded")
            } catch {
                logger.error("TLS certificate not reloaded, the old one stays: \(error)")
            }
        }
        source.resume()
        return source
    }
}
