import CourierHTTP2
import NIOCore
import NIOSSL

/// TLS for a client's connections (`ChannelConfiguration.security`): the server's certificate
/// verified against `trustRoots` and its name (or IP address), ALPN `h2`, and optionally a client
/// certificate for servers that require one (mutual TLS).
///
/// ```swift
/// var configuration = ChannelConfiguration()
/// configuration.security = try ClientTLS(trustRoots: .pemFile("ca.pem"))
/// ```
public struct ClientTLS: ClientConnectionSecurity {
    /// Whom to trust.
    public enum TrustRoots: Sendable {
        /// The system's CA bundle.
        case system
        /// The CA certificates in a PEM file.
        case pemFile(String)
    }

    /// `https`.
    public var scheme: String { "https" }
    /// The name the server is checked against (and sent as SNI and `:authority`) instead of the host dialled.
    public let serverNameOverride: String?
    private let context: NIOSSLContext

    /// TLS 1.2 or 1.3 to servers whose certificate chains to `trustRoots`; with
    /// `certificateFile` and `keyFile` (PEM), the client proves itself with that certificate.
    public init(
        trustRoots: TrustRoots = .system, certificateFile: String? = nil, keyFile: String? = nil, serverNameOverride: String? = nil
    ) throws {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.applicationProtocols = ["h2"]
        configuration.minimumTLSVersion = .tlsv12
        switch trustRoots {
        case .system: configuration.trustRoots = .default
        case .pemFile(let path): configuration.trustRoots = .file(path)
        }
        if let certificateFile, let keyFile {
            configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { .certificate($0) }
            configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
        } else if certificateFile != nil || keyFile != nil {
            throw ConnectionSecurityError("a client certificate needs both its certificate and its key file")
        }
        self.context = try NIOSSLContext(configuration: configuration)
        self.serverNameOverride = serverNameOverride
    }

    /// Adds the TLS handler (SNI: the override, else the host unless it is an IP address, which
    /// is checked against the certificate's IP addresses instead) and the handshake check.
    public func secure(_ channel: any Channel, host: String) throws -> EventLoopFuture<Void> {
        let name = serverNameOverride ?? host
        let isAddress = (try? SocketAddress(ipAddress: name, port: 0)) != nil
        let tls = try NIOSSLClientHandler(context: context, serverHostname: isAddress ? nil : name)
        let handshake = channel.eventLoop.makePromise(of: Void.self)
        try channel.pipeline.syncOperations.addHandlers(tls, HandshakeCheck(outcome: handshake, peer: name))
        return handshake.futureResult
    }
}
