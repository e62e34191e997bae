/// A message encoding that gRPC peers negotiate with `grpc-encoding` (what a message stream is
/// compressed with) and `grpc-accept-encoding` (what a peer can read): gRPC's compression.md.
/// Courier reads and writes `gzip` (RFC 1952) and `deflate` (zlib's format, RFC 1950), with zlib.
public struct CompressionAlgorithm: Hashable, Sendable, CustomStringConvertible {
    enum Kind: UInt8 { case identity = 0, deflate = 1, gzip = 2 }
    let kind: Kind

    /// No compression.
    public static let identity = CompressionAlgorithm(kind: .identity)
    /// zlib's format (RFC 1950), as gRPC names it.
    public static let deflate = CompressionAlgorithm(kind: .deflate)
    /// gzip (RFC 1952).
    public static let gzip = CompressionAlgorithm(kind: .gzip)

    /// Every encoding Courier reads and writes, identity first.
    public static let supported: [CompressionAlgorithm] = [.identity, .deflate, .gzip]

    /// The encoding named `name` as in `grpc-encoding`, if Courier supports it.
    public init?(name: String) {
        switch name {
        case "identity": kind = .identity
        case "deflate": kind = .deflate
        case "gzip": kind = .gzip
        default: return nil
        }
    }

    init(kind: Kind) { self.kind = kind }

    /// Its name on the wire.
    public var name: String {
        switch kind {
        case .identity: "identity"
        case .deflate: "deflate"
        case .gzip: "gzip"
        }
    }

    /// Its name on the wire.
    public var description: String { name }

    /// Whether messages in this encoding are compressed at all.
    @usableFromInline var compresses: Bool { kind != .identity }

    /// `grpc-accept-encoding` of every supported encoding.
    static let acceptEncodingValue = "gzip,deflate,identity"
}

/// The encodings a peer named in `grpc-accept-encoding`, as a bit set.
struct AcceptedEncodings: Equatable {
    private var bits: UInt8

    /// What a peer that sent no `grpc-accept-encoding` reads: identity only.
    static let identityOnly = AcceptedEncodings(bits: 1 << CompressionAlgorithm.Kind.identity.rawValue)

    private init(bits: UInt8) { self.bits = bits }

    /// Parses a header value such as `gzip, deflate`: names Courier does not know are ignored.
    init(headerValue: String) {
        self = .identityOnly
        for name in headerValue.split(separator: ",") {
            if let algorithm = CompressionAlgorithm(name: String(name.trimmingSpaces)) { bits |= 1 << algorithm.kind.rawValue }
        }
    }

    func contains(_ algorithm: CompressionAlgorithm) -> Bool { bits & (1 << algorithm.kind.rawValue) != 0 }
}
