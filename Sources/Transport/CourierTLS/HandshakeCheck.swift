import CourierHTTP2
import NIOCore
import NIOSSL
import NIOTLS

/// Sits after the TLS handler and watches the handshake: once it completes, the peer must have
/// chosen `h2` by ALPN (gRPC runs on HTTP/2 only), or the connection is closed. `outcome`, on the
/// client, completes with the handshake: the connect waits for it and fails with its reason
/// (a certificate that does not verify, a peer that speaks HTTP/1.1, a closed connection).
final class HandshakeCheck: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let outcome: EventLoopPromise<Void>?
    private let peer: String
    private var done = false

    init(outcome: EventLoopPromise<Void>?, peer: String) {
        self.outcome = outcome
        self.peer = peer
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted(let negotiated) = event, !done {
            done = true
            if negotiated == "h2" {
                outcome?.succeed()
            } else {
                let what = negotiated.map { "'\($0)'" } ?? "no protocol"
                fail(context, "the TLS handshake with \(peer) negotiated \(what) by ALPN, not h2: is it a gRPC endpoint?")
                return
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !done {
            done = true
            fail(context, "the TLS handshake with \(peer) failed: \(Self.describe(error))")
            return
        }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !done {
            done = true
            outcome?.fail(ConnectionSecurityError("\(peer) closed the connection during the TLS handshake"))
        }
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        if !done {
            done = true
            outcome?.fail(ConnectionSecurityError("the connection to \(peer) went away during the TLS handshake"))
        }
    }

    private func fail(_ context: ChannelHandlerContext, _ reason: String) {
        let error = ConnectionSecurityError(reason)
        outcome?.fail(error)
        // The HTTP/2 handler after this one records the reason its streams will see.
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }

    /// BoringSSL's reason, without NIOSSL's wrapping, and what it means when it is not plain.
    static func describe(_ error: any Error) -> String {
        let reason: String
        switch error {
        case NIOSSLError.handshakeFailed(let boringSSL): reason = "\(boringSSL)"
        default: reason = "\(error)"
        }
        // BoringSSL's errors read "error:1000007d:SSL routines:OPENSSL_internal:REASON at file:line".
        let codes = reason.split(separator: "OPENSSL_internal:").dropFirst().map { $0.prefix { $0.isUppercase || $0.isNumber || $0 == "_" } }
        let short = codes.isEmpty ? reason : codes.joined(separator: ", ")
        if short.contains("NO_APPLICATION_PROTOCOL") {
            return "the peer has no ALPN protocol in common with h2 (an HTTP/1 server, or not a gRPC endpoint): \(short)"
        }
        if short.contains("CERTIFICATE_VERIFY_FAILED") {
            return "\(short): the certificate does not chain to a trusted CA, has expired, or is not for this name"
        }
        return String(short)
    }
}
