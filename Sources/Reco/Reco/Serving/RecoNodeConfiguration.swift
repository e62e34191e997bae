import RecoCandidates
import RecoCore
import RecoHistory
import RecoSearchHome
import RecoSimilarity
import Courier
import CourierHTTP2
import NIOCore

/// Everything `reco serve` needs to know; every field has an embedded default.
public struct RecoNodeConfiguration: Sendable {
    public var role: RecoRole = .all
    public var host = "127.0.0.1"
    public var port = 50061
    /// Event loop threads of the gRPC server.
    public var threads = System.coreCount
    /// Prometheus `/metrics` over HTTP/1.1; nil turns it off.
    public var metricsPort: Int? = 9464
    /// Embeddings, candidate batches, the History log.
    public var dataDirectory = "reco-data"
    /// Similarity's and Candidates' batches from PostgreSQL
    /// (`postgres://user[:password]@host[:port]/database`), copied into `<data>/postgres/` at start
    /// and on `LoadPartDate`; nil: batch folders in the data directory.
    public var postgresURL: String?
    /// Peers of SearchHome when it runs alone ("host:port").
    public var historyAddress: String?
    public var similarityAddress: String?
    public var candidatesAddress: String?
    /// Connections SearchHome opens to each peer.
    public var peerConnections = 1
    /// TLS of the gRPC port (`ServerTLS` in CourierTLS); nil: cleartext HTTP/2.
    public var serverSecurity: (any ServerConnectionSecurity)?
    /// TLS of SearchHome's calls to its peers when they go over the network; nil: cleartext.
    public var peerSecurity: (any ClientConnectionSecurity)?
    /// All services in one process (`all`): SearchHome calls its peers through this process's own
    /// port, as a split deployment would, instead of in-process (for comparison).
    public var loopbackPeers = false
    /// How long History keeps actions (its window): at most one hour.
    public var historyRetention: Duration = .seconds(3600)
    /// Most actions History keeps per user (and per session); the oldest beyond it are dropped,
    /// counted in `reco_history_actions_dropped_total` and logged.
    public var historyMaxPerUser = 1000
    public var historySync: HistorySyncPolicy = .everySecond
    /// History on Redis (`host:port`): actions go through a Redis stream (the bus) into a shared
    /// store in Redis that every History replica reads; nil keeps the embedded log.
    public var redisAddress: String?
    /// This replica's consumer name in the bus's group; nil: host and process id.
    public var redisConsumerName: String?
    /// Prefix of every Redis key (the stream is `<prefix>actions`).
    public var redisKeyPrefix = "reco:"
    /// The stream is capped near this many entries (`XADD MAXLEN ~`).
    public var redisStreamMaxLength = 1_000_000
    /// Whether this History replica also moves actions from the bus into the shared store (a
    /// replica that only ingests and answers leaves it to the others).
    public var redisConsumer = true
    /// Bus entries a replica read and did not acknowledge for this long (it died) are claimed by
    /// another replica.
    public var redisClaimIdle: Duration = .seconds(5)
    public var weights = ActionWeights()
    public var searchHome = SearchHomeConfiguration()
    /// Refuse calls beyond an adaptive concurrency limit, and calls whose deadline is too short
    /// (`AdmissionControl`); off admits everything (for comparison).
    public var overloadProtection = true

    public init() {}

    /// The History log; by default `<data>/history/actions.log`.
    public var historyLogPath: String?

    var resolvedHistoryLogPath: String { historyLogPath ?? "\(dataDirectory)/history/actions.log" }
}

/// A peer flag's target: `host:port`, several replicas as `host:port,host:port`, or a gRPC
/// target (`dns:///host:port`, `ipv4:…`, `unix:///path`), with a clear error.
func parseTarget(_ address: String, flag: String) throws -> ChannelTarget {
    do {
        if address.contains(","), !address.contains("://"), !address.hasPrefix("ipv") {
            let replicas = try address.split(separator: ",").map { part -> SubchannelAddress in
                guard case .host(let host, let port) = try ChannelTarget(parsing: String(part)) else {
                    throw ConfigurationError("\(flag): \"\(part)\" is not host:port")
                }
                return .host(host, port: port)
            }
            return .addresses(replicas)
        }
        return try ChannelTarget(parsing: address)
    } catch let error as RPCError {
        throw ConfigurationError("\(flag): expected host:port, host:port,host:port or a gRPC target (dns:///host:port), got \"\(address)\": \(error.message)")
    }
}
