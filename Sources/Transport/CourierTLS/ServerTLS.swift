import CourierHTTP2
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL

/// TLS for a server's connections (`ServerConfiguration.security`): its certificate and key from
/// PEM files, ALPN `h2` (a client that negotiates anything else is disconnected), and, with
/// `clientCAFile`, mutual TLS: a client must present a certificate that chains to that CA.
/// `reload()` reads the files again: new connections use the new certificate, open ones keep theirs.
public final class ServerTLS: ServerConnectionSecurity {
    private let certificateFile: String
    private let keyFile: String
    private let clientCAFile: String?
    private let context: NIOLockedValueBox<NIOSSLContext>

    /// Serves `certificateFile` (the chain, leaf first) with `keyFile`; with `clientCAFile`,
    /// requires client certificates issued by it.
    public init(certificateFile: String, keyFile: String, clientCAFile: String? = nil) throws {
        self.certificateFile = certificateFile
        self.keyFile = keyFile
        self.clientCAFile = clientCAFile
        self.context = NIOLockedValueBox(try Self.makeContext(certificateFile, keyFile, clientCAFile))
    }

    /// Reads the certificate, key and client CA files again (after a renewal), without a
    /// restart. Throws, keeping the current ones, if they do not load.
    public func reload() throws {
        let fresh = try Self.makeContext(certificateFile, keyFile, clientCAFile)
        context.withLockedValue { $0 = fresh }
    }

    private static func makeContext(_ certificateFile: String, _ keyFile: String, _ clientCAFile: String?) throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(certificateFile).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: keyFile, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key))
        configuration.applicationProtocols = ["h2"]
        configuration.minimumTLSVersion = .tlsv12
        if let clientCAFile {
            // The client's certificate must chain to this CA; its name is not checked (clients
            // have no host name), and one without a certificate fails the handshake.
            configuration.trustRoots = .file(clientCAFile)
            configuration.certificateVerification = .noHostnameVerification
        }
        return try NIOSSLContext(configuration: configuration)
    }

    /// Adds the TLS handler with the current certificate, and the handshake check.
    public func secure(_ channel: any Channel) throws {
        let context = self.context.withLockedValue { $0 }
        let peer = channel.remoteAddress.map { "\($0)" } ?? "the client"
        try channel.pipeline.syncOperations.addHandlers(NIOSSLServerHandler(context: context), HandshakeCheck(outcome: nil, peer: peer))
    }
}
