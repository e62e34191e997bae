import RecoCore
import RecoHistory
import RecoRedis
import Foundation
import Logging

/// History's store and what runs beside it: the embedded log (default), or with `--redis` the
/// action bus (a Redis stream) and the shared store in Redis, with this replica's consumer.
final class HistoryBackend: Sendable {
    let store: any HistoryStore
    private let embedded: LoggedHistoryStore?
    private let consumer: ActionStreamConsumer?
    private let redisClients: [RedisClient]

    init(configuration: RecoNodeConfiguration, metrics: RecoMetrics) throws {
        let retentionMs = Int64(configuration.historyRetention.components.seconds * 1000)
        guard let address = configuration.redisAddress else {
            var storeConfiguration = LoggedHistoryStore.Configuration(logPath: configuration.resolvedHistoryLogPath)
            storeConfiguration.retentionMs = retentionMs
            storeConfiguration.sync = configuration.historySync
            storeConfiguration.capacityPerKey = configuration.historyMaxPerUser
            let store = try LoggedHistoryStore(configuration: storeConfiguration, logger: Logger(label: "reco.history"), metrics: metrics)
            self.store = store
            embedded = store
            consumer = nil
            redisClients = []
            return
        }
        let redisConfiguration: RedisClient.Configuration
        do { redisConfiguration = try RedisClient.Configuration(address: address) } catch {
            throw ConfigurationError("--redis: \(error)")
        }
        // One pipelined connection for appends, reads and acknowledgements; one for the blocking read.
        let redis = RedisClient(configuration: redisConfiguration)
        let reader = RedisClient(configuration: redisConfiguration)
        let shared = RedisHistoryStore(
            redis: redis, retentionMs: retentionMs, capacityPerKey: configuration.historyMaxPerUser,
            keyPrefix: configuration.redisKeyPrefix)
        var stream = ActionStreamConfiguration(consumerName: configuration.redisConsumerName ?? Self.defaultConsumerName())
        stream.streamKey = configuration.redisKeyPrefix + "actions"
        stream.maxLength = configuration.redisStreamMaxLength
        stream.claimIdle = configuration.redisClaimIdle
        store = StreamedHistoryStore(redis: redis, shared: shared, configuration: stream)
        consumer = configuration.redisConsumer
            ? ActionStreamConsumer(reader: reader, redis: redis, store: shared, configuration: stream, metrics: metrics) : nil
        embedded = nil
        redisClients = [redis, reader]
    }

    /// This replica's name in the consumer group: host and process id, unique while it lives (a
    /// dead replica's pending entries are claimed by the others, whatever its name).
    static func defaultConsumerName() -> String {
        "history-\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
    }

    func start() {
        embedded?.startMaintenance()
        consumer?.start()
    }

    /// Stops consuming (what was read and not acknowledged stays pending for another replica),
    /// closes the Redis connections, syncs and closes the embedded log.
    func shutdown() async throws {
        await consumer?.stop()
        for client in redisClients { await client.close() }
        try embedded?.close()
    }
}
