import Synchronization

/// A channel's retry token bucket (`RetryThrottling`, gRPC A6), shared by its calls.
final class RetryThrottle: Sendable {
    private let settings: RetryThrottling
    private let tokens: Mutex<Double>

    init(_ settings: RetryThrottling) {
        self.settings = settings
        self.tokens = Mutex(settings.maxTokens)
    }

    /// An attempt failed with a retryable status: one token less. Returns whether a retry may
    /// still go out (more than half the bucket left).
    func recordRetryableFailure() -> Bool {
        tokens.withLock { tokens in
            tokens = max(0, tokens - 1)
            return tokens > settings.maxTokens / 2
        }
    }

    /// A call succeeded: `tokenRatio` tokens back.
    func recordSuccess() {
        tokens.withLock { $0 = min(settings.maxTokens, $0 + settings.tokenRatio) }
    }
}

/// Set once a call's response headers arrive: from then on the call is committed and is not
/// retried (gRPC A6). Made only for calls that have a retry policy.
final class ResponseHeadersFlag: Sendable {
    private let arrived = Atomic(false)

    func set() { arrived.store(true, ordering: .releasing) }

    var isSet: Bool { arrived.load(ordering: .acquiring) }
}
