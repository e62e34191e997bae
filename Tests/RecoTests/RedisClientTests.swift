import CourierTestSupport
import Foundation
import NIOCore
@testable import RecoRedis
import Testing

@Suite("Redis client against a real redis-server", .timeLimit(.minutes(2)))
struct RedisClientTests {
    /// A server and a client; `commandTimeout` generous by default: the whole suite runs in
    /// parallel on two cores (and under AddressSanitizer in CI).
    func withRedis(commandTimeout: TimeAmount = .seconds(5), _ body: (RedisTestServer, RedisClient) async throws -> Void) async throws {
        let server = try await RedisTestServer()
        var configuration = RedisClient.Configuration(host: "127.0.0.1", port: server.port)
        configuration.commandTimeout = commandTimeout
        configuration.connectTimeout = .seconds(5)
        let client = RedisClient(configuration: configuration)
        do {
            try await body(server, client)
        } catch {
            await client.close()
            await server.remove()
            throw error
        }
        await client.close()
        await server.remove()
    }

    /// Whether PING is answered again within 10 s (the client reconnects after its backoff).
    func answersAgain(_ redis: RedisClient) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if (try? await redis.send(["PING"])) == .simpleString("PONG") { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    @Test("replies of every kind, binary-safe values, error replies that leave the connection usable")
    func replies() async throws {
        try await withRedis { _, redis in
            let value: [UInt8] = [0, 13, 10, 36, 42, 255, 0] + Array("마라탕".utf8)
            #expect(try await redis.send(["SET", "k", .bytes(value)]) == .simpleString("OK"))
            #expect(try await redis.send(["GET", "k"]) == .bulkString(value))
            #expect(try await redis.send(["GET", "missing"]) == .null)
            #expect(try await redis.send(["RPUSH", "list", "a", "b"]) == .integer(2))
            #expect(try await redis.send(["LRANGE", "list", 0, -1]) == .array([.bulkString(Array("a".utf8)), .bulkString(Array("b".utf8))]))
            await #expect(throws: RedisError.self) { try await redis.send(["INCR", "list"]) }
            let replies = try await redis.pipeline([["INCR", "n"], ["NOSUCHCOMMAND"], ["INCR", "n"]])
            #expect(replies[0] == .integer(1))
            guard case .error(let message) = replies[1] else { Issue.record("expected an error reply, got \(replies[1])"); return }
            #expect(message.contains("unknown command"))
            #expect(replies[2] == .integer(2))
        }
    }

    @Test("a thousand concurrent callers share one connection; each gets its own reply")
    func concurrentCallers() async throws {
        try await withRedis { _, redis in
            let results = try await withThrowingTaskGroup(of: Int64.self) { group in
                for _ in 0..<1000 { group.addTask { try await redis.send(["INCR", "counter"]).integer ?? -1 } }
                var all: [Int64] = []
                for try await value in group { all.append(value) }
                return all
            }
            #expect(Set(results) == Set(1...1000))
            #expect(try await redis.send(["CLIENT", "LIST"]).string?.split(separator: "\n").count == 1)
        }
    }

    @Test("a script runs by its SHA1 and is loaded again after Redis forgot it (SCRIPT FLUSH, a restart)")
    func scriptReload() async throws {
        try await withRedis { _, redis in
            let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
            #expect(try await script.run([(["n"], [2]), (["n"], [3])], on: redis) == [.integer(2), .integer(5)])
            try await redis.send(["SCRIPT", "FLUSH"])
            #expect(try await script.run([(["n"], [10])], on: redis) == [.integer(15)])
        }
    }

    @Test("nothing listening: UNAVAILABLE at once, and within the backoff without another connect")
    func nothingListening() async throws {
        let port = try freeLoopbackPort()
        var configuration = RedisClient.Configuration(host: "127.0.0.1", port: port)
        configuration.initialBackoff = .seconds(120)
        configuration.maxBackoff = .seconds(120)
        let redis = RedisClient(configuration: configuration)
        defer { Task { await redis.close() } }
        await #expect(throws: RedisError.self) { try await redis.send(["PING"]) }
        // Within the backoff: refused without another connect attempt.
        let start = ContinuousClock.now
        do throws(RedisError) {
            try await redis.send(["PING"])
            Issue.record("expected a failure")
        } catch {
            guard case .unavailable(let reason) = error else { Issue.record("expected unavailable, got \(error)"); return }
            #expect(reason.contains("next try in"))
        }
        #expect(ContinuousClock.now - start < .seconds(2))
    }

    @Test("killed mid-use: outstanding commands fail, the next ones reconnect once it is back")
    func reconnectsAfterRestart() async throws {
        try await withRedis { server, redis in
            try await redis.send(["SET", "before", "1"])
            await server.kill()
            do throws(RedisError) {
                try await redis.send(["PING"])
                Issue.record("a command to a killed server succeeded")
            } catch {
                switch error {
                case .connectionLost, .unavailable: break
                default: Issue.record("unexpected \(error)")
                }
            }
            try await server.start()
            #expect(try await answersAgain(redis))
        }
    }

    @Test("a stopped server (SIGSTOP): the command times out instead of hanging, then works again")
    func frozenServer() async throws {
        try await withRedis(commandTimeout: .seconds(1)) { server, redis in
            // Connected and answering first (the suite shares two cores: a first PING may be slow).
            let ready = (try? await answersAgain(redis)) ?? false
            #expect(ready)
            server.freeze(true)
            let start = ContinuousClock.now
            do throws(RedisError) {
                try await redis.send(["PING"])
                Issue.record("a frozen server answered")
            } catch {
                guard case .timedOut = error else { Issue.record("expected a timeout, got \(error)"); return }
            }
            #expect(ContinuousClock.now - start < .seconds(5))
            server.freeze(false)
            let back = (try? await answersAgain(redis)) ?? false
            #expect(back)
        }
    }
}

@Suite("RESP reader (hiredis) without a socket")
struct RESPReaderTests {
    static let sample = Array("+OK\r\n-ERR bad\r\n:42\r\n$5\r\nhe\0lo\r\n$-1\r\n*3\r\n:1\r\n*1\r\n$0\r\n\r\n*-1\r\n".utf8)
    static let expected: [RESPValue] = [
        .simpleString("OK"), .error("ERR bad"), .integer(42), .bulkString(Array("he\0lo".utf8)), .null,
        .array([.integer(1), .array([.bulkString([])]), .null]),
    ]

    @Test("replies split at every byte boundary parse the same")
    func everySplit() throws {
        for split in 0...Self.sample.count {
            let reader = RESPReader()
            var values: [RESPValue] = []
            for part in [Self.sample[..<split], Self.sample[split...]] {
                try Array(part).withUnsafeBytes { try reader.feed($0) }
                while let value = try reader.next() { values.append(value) }
            }
            #expect(values == Self.expected, "split at \(split)")
        }
    }

    @Test("an array header declaring more elements than the bound is refused, not allocated (5.6 GB for this one)")
    func hugeArrayHeader() throws {
        let reader = RESPReader()
        try Array("*700000001\r\n".utf8).withUnsafeBytes { try reader.feed($0) }
        #expect(throws: RedisError.self) { try reader.next() }
        let fine = RESPReader()
        try Array("*2\r\n:1\r\n:2\r\n".utf8).withUnsafeBytes { try fine.feed($0) }
        #expect(try fine.next() == .array([.integer(1), .integer(2)]))
    }

    @Test("bytes that are not RESP are a protocol violation")
    func garbage() throws {
        let reader = RESPReader()
        try Array("?what\r\n".utf8).withUnsafeBytes { try reader.feed($0) }
        #expect(throws: RedisError.self) { try reader.next() }
    }
}
