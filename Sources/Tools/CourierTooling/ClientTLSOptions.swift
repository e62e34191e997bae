import ArgumentParser
import CourierTLS

/// The TLS flags of the tools that call a server (courier-cli, loadtest): plaintext unless one
/// is given.
public struct ClientTLSOptions: ParsableArguments, Sendable {
    /// `--tls`: connect with TLS.
    @Flag(help: "Connect with TLS (ALPN h2), trusting the system's CAs unless --tls-ca is given.")
    public var tls = false
    /// `--tls-ca`: the CAs to trust (PEM).
    @Option(help: "TLS: a PEM file of the CA certificates to trust.")
    public var tlsCa: String?
    /// `--tls-cert`: a client certificate (PEM).
    @Option(help: "TLS: a client certificate (PEM) for servers that require one (mutual TLS).")
    public var tlsCert: String?
    /// `--tls-key`: the client certificate's key (PEM).
    @Option(help: "TLS: the client certificate's key (PEM).")
    public var tlsKey: String?
    /// `--tls-server-name`: the name to check the server's certificate against.
    @Option(help: "TLS: check the server's certificate against this name (sent as SNI and :authority) instead of the host dialled.")
    public var tlsServerName: String?

    /// Plaintext by default.
    public init() {}

    /// The client's TLS, or nil for plaintext (no TLS flag given).
    public func security() throws -> ClientTLS? {
        guard tls || tlsCa != nil || tlsCert != nil || tlsKey != nil || tlsServerName != nil else { return nil }
        return try ClientTLS(
            trustRoots: tlsCa.map { .pemFile($0) } ?? .system, certificateFile: tlsCert, keyFile: tlsKey, serverNameOverride: tlsServerName)
    }
}
