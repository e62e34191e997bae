import CourierTLS

// gRPC's interop tools' TLS flags (interop-test-descriptions.md: --use_tls,
// --server_host_override), with the files named explicitly instead of gRPC's built-in test CA.
extension InteropArguments {
    /// The server's TLS, from `--use_tls true --tls_cert_file F --tls_key_file F
    /// [--tls_client_ca_file F]` (the last requires client certificates); nil for plaintext.
    public mutating func serverTLS() throws -> ServerTLS? {
        let certificate = string("tls_cert_file"), key = string("tls_key_file"), clientCA = string("tls_client_ca_file")
        guard string("use_tls") == "true" else { return nil }
        guard let certificate, let key else { throw InteropFailure("--use_tls needs --tls_cert_file and --tls_key_file") }
        return try ServerTLS(certificateFile: certificate, keyFile: key, clientCAFile: clientCA)
    }

    /// The client's TLS, from `--use_tls true [--ca_file F] [--server_host_override NAME]
    /// [--tls_cert_file F --tls_key_file F]` (system roots without `--ca_file`); nil for plaintext.
    public mutating func clientTLS() throws -> ClientTLS? {
        let ca = string("ca_file"), override = string("server_host_override")
        let certificate = string("tls_cert_file"), key = string("tls_key_file")
        guard string("use_tls") == "true" else { return nil }
        return try ClientTLS(
            trustRoots: ca.map { .pemFile($0) } ?? .system, certificateFile: certificate, keyFile: key, serverNameOverride: override)
    }
}
