import CourierHTTP2

/// A call's request headers: the method's prebuilt part, then the per-call part.
struct RequestHeaders: Sendable {
    let prefix: HTTP2HeaderList
    let headers: [HTTP2Header]
}
