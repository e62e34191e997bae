import Courier
import CourierHTTP2
import CourierInterop
import CourierTestSupport
import CourierTLS
import Foundation
import Testing

/// TLS and mutual TLS through real sockets, with a test PKI made by openssl
/// (Tests/Interop/make_test_certs.sh): calls work over TLS, and each way a handshake can go wrong
/// fails the call UNAVAILABLE with the TLS reason, while the server keeps serving.
@Suite("TLS", .timeLimit(.minutes(2)))
struct TLSTests {
    /// The test PKI, made once per test process.
    static let pki: String = {
        let directory = NSTemporaryDirectory() + "courier-pki-" + UUID().uuidString
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../Interop/make_test_certs.sh").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script, directory]
        try? process.run()
        process.waitUntilExit()
        return directory
    }()

    static func file(_ name: String) -> String { pki + "/" + name }

    static func serverConfiguration(certificate: String = "server", clientCA: String? = nil) throws -> ServerConfiguration {
        var configuration = ServerConfiguration.testing
        configuration.security = try ServerTLS(
            certificateFile: file(certificate + ".pem"), keyFile: file(certificate + ".key"), clientCAFile: clientCA.map { file($0 + ".pem") })
        return configuration
    }

    static func channel(
        trusting ca: String = "ca", certificate: String? = nil, serverName: String? = nil
    ) throws -> ChannelConfiguration {
        var configuration = ChannelConfiguration()
        configuration.security = try ClientTLS(
            trustRoots: .pemFile(file(ca + ".pem")), certificateFile: certificate.map { file($0 + ".pem") },
            keyFile: certificate.map { file($0 + ".key") }, serverNameOverride: serverName)
        return configuration
    }

    /// The error of one empty call over `configuration` (nil: it succeeded).
    static func callError(port: Int, _ configuration: ChannelConfiguration, host: String = "127.0.0.1") async throws -> RPCError? {
        try await GRPCChannel(host: host, port: port, configuration: configuration).closing { channel in
            await rpcError { try await InteropTestCase.emptyUnary.run(on: channel) }
        }
    }

    @Test("the standard interop cases pass over TLS, by IP address, by name and with a server name override")
    func interopOverTLS() async throws {
        try await withServer(configuration: try Self.serverConfiguration()) { port in
            try await GRPCChannel(host: "127.0.0.1", port: port, configuration: try Self.channel()).closing { channel in
                for testCase in InteropTestCase.standard + InteropTestCase.compression { try await testCase.run(on: channel) }
            }
            #expect(try await Self.callError(port: port, try Self.channel(), host: "localhost") == nil)
            #expect(try await Self.callError(port: port, try Self.channel(serverName: "foo.test.example.com")) == nil)
        }
    }

    @Test("an untrusted CA, an expired certificate or a wrong name fail UNAVAILABLE with the TLS reason; the server keeps serving")
    func badServerCertificates() async throws {
        try await withServer(configuration: try Self.serverConfiguration()) { port in
            let untrusted = try await Self.callError(port: port, try Self.channel(trusting: "other-ca"))
            #expect(untrusted?.code == .unavailable && untrusted?.message.contains("TLS handshake") == true, "\(String(describing: untrusted))")
            #expect(try await Self.callError(port: port, try Self.channel()) == nil)
        }
        // A certificate for names only: the client checks the name it was given.
        try await withServer(configuration: try Self.serverConfiguration(certificate: "named")) { port in
            let wrongName = try await Self.callError(port: port, try Self.channel(serverName: "wrong.example.org"))
            #expect(wrongName?.code == .unavailable && wrongName?.message.contains("TLS handshake") == true, "\(String(describing: wrongName))")
            #expect(try await Self.callError(port: port, try Self.channel(serverName: "foo.test.example.com")) == nil)
        }
        try await withServer(configuration: try Self.serverConfiguration(certificate: "expired")) { port in
            let expired = try await Self.callError(port: port, try Self.channel())
            #expect(expired?.code == .unavailable && expired?.message.contains("TLS handshake") == true, "\(String(describing: expired))")
        }
    }

    @Test("mutual TLS: a client certificate from the CA is let in; none, or one from another CA, fails UNAVAILABLE")
    func mutualTLS() async throws {
        try await withServer(configuration: try Self.serverConfiguration(clientCA: "ca")) { port in
            #expect(try await Self.callError(port: port, try Self.channel(certificate: "client")) == nil)
            for configuration in [try Self.channel(), try Self.channel(certificate: "rogue")] {
                let refused = try await Self.callError(port: port, configuration)
                #expect(refused?.code == .unavailable, "\(String(describing: refused))")
            }
            #expect(try await Self.callError(port: port, try Self.channel(certificate: "client")) == nil)
        }
    }

    @Test("a plaintext client to a TLS server, and a TLS client to a plaintext server, fail UNAVAILABLE")
    func mismatchedSecurity() async throws {
        try await withServer(configuration: try Self.serverConfiguration()) { port in
            let plaintext = try await Self.callError(port: port, ChannelConfiguration())
            #expect(plaintext?.code == .unavailable, "\(String(describing: plaintext))")
        }
        try await withServer { port in
            let tls = try await Self.callError(port: port, try Self.channel())
            #expect(tls?.code == .unavailable && tls?.message.contains("TLS handshake") == true, "\(String(describing: tls))")
        }
    }

    @Test("a TLS server that negotiates HTTP/1.1 or no ALPN protocol is refused, naming what it chose")
    func serverWithoutH2() async throws {
        for (alpn, expected) in [(["-alpn", "http/1.1"], "no ALPN protocol in common with h2"), ([], "negotiated no protocol")] {
            let port = try freeLoopbackPort()
            let server = Process()
            server.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            server.arguments = ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", Self.file("server.pem"), "-key", Self.file("server.key"), "-quiet"] + alpn
            server.standardOutput = FileHandle.nullDevice
            server.standardError = FileHandle.nullDevice
            try server.run()
            for _ in 0..<200 where (try? RawSocket(port: port)) == nil { try await Task.sleep(for: .milliseconds(25)) }
            let error = try await Self.callError(port: port, try Self.channel())
            await ChildProcess.kill(server)
            #expect(error?.code == .unavailable && error?.message.contains(expected) == true, "\(String(describing: error))")
        }
    }

    @Test("a TLS client that does not offer h2 is disconnected by the server")
    func clientWithoutH2() async throws {
        try await withServer(configuration: try Self.serverConfiguration()) { port in
            let script = """
                import socket, ssl, sys
                context = ssl.create_default_context(cafile=sys.argv[2])
                context.set_alpn_protocols(["http/1.1"])
                with socket.create_connection(("127.0.0.1", int(sys.argv[1]))) as raw:
                    with context.wrap_socket(raw, server_hostname="localhost") as tls:
                        tls.settimeout(10)
                        try:
                            data = tls.recv(1024)
                        except (ConnectionError, ssl.SSLError):
                            data = b""
                        print("closed" if data == b"" else f"got {len(data)} bytes")
                """
            let run = try await ChildProcess.run("/usr/bin/env", ["python3", "-c", script, "\(port)", Self.file("ca.pem")])
            #expect(run.output.trimmingCharacters(in: .whitespacesAndNewlines) == "closed", "\(run.output) \(run.errors)")
        }
    }

    @Test("reload(): after the files are replaced, new connections get the new certificate without a restart")
    func reloadCertificates() async throws {
        let directory = NSTemporaryDirectory() + "courier-reload-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        func install(_ name: String) throws {
            for ext in ["pem", "key"] {
                let target = "\(directory)/tls.\(ext)"
                try? FileManager.default.removeItem(atPath: target)
                try FileManager.default.copyItem(atPath: Self.file("\(name).\(ext)"), toPath: target)
            }
        }
        try install("expired")
        let tls = try ServerTLS(certificateFile: "\(directory)/tls.pem", keyFile: "\(directory)/tls.key")
        var configuration = ServerConfiguration.testing
        configuration.security = tls
        try await withServer(configuration: configuration) { port in
            #expect(try await Self.callError(port: port, try Self.channel())?.code == .unavailable)
            try install("server")
            try tls.reload()
            #expect(try await Self.callError(port: port, try Self.channel()) == nil)
        }
    }
}
