/// gRPC's retry policy for a method (gRPC A6, a service config's `retryPolicy`): a failed attempt
/// whose status is in `retryableStatusCodes` is sent again, up to `maxAttempts` attempts in all,
/// after a random wait below `initialBackoff * backoffMultiplier^(n-1)` (capped at `maxBackoff`),
/// within the call's deadline. An attempt whose response headers arrived is never retried (the
/// server has committed to it), and nor is one the server pushed back with a negative
/// `grpc-retry-pushback-ms`; a positive one replaces the random wait.
///
/// Courier retries unary calls (their one request is kept framed); streaming calls are not
/// retried, except transparently when the server refused the stream before processing it.
public struct RetryPolicy: Sendable, Equatable {
    /// Attempts in all, the first included: 2 to 5 (gRPC caps it at 5).
    public var maxAttempts: Int
    /// The wait before the first retry is random below this.
    public var initialBackoff: Duration
    /// No wait is longer than this.
    public var maxBackoff: Duration
    /// How much the ceiling grows per attempt.
    public var backoffMultiplier: Double
    /// The statuses worth another attempt (typically UNAVAILABLE).
    public var retryableStatusCodes: Set<StatusCode>

    /// A policy; `maxAttempts` is capped at 5 and at least 1.
    public init(
        maxAttempts: Int, initialBackoff: Duration = .milliseconds(100), maxBackoff: Duration = .seconds(1),
        backoffMultiplier: Double = 2, retryableStatusCodes: Set<StatusCode> = [.unavailable]
    ) {
        self.maxAttempts = min(5, max(1, maxAttempts))
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.backoffMultiplier = backoffMultiplier
        self.retryableStatusCodes = retryableStatusCodes
    }

    /// The wait before retry number `retry` (1 for the first), random below its ceiling.
    func backoff(beforeRetry retry: Int, using random: inout some RandomNumberGenerator) -> Duration {
        var ceiling = initialBackoff.seconds
        for _ in 1..<max(1, retry) { ceiling *= backoffMultiplier }
        ceiling = min(maxBackoff.seconds, ceiling)
        return .nanoseconds(Int64(Double.random(in: 0..<max(ceiling, 1e-9), using: &random) * 1e9))
    }
}

/// gRPC's retry throttling (A6): a channel's token bucket that stops retries while most calls
/// fail, so retries cannot multiply the load on a struggling server. Every attempt that fails with a
/// retryable status takes a token, every success gives back `tokenRatio`; retries go out only while
/// more than half of `maxTokens` remain.
public struct RetryThrottling: Sendable, Equatable {
    /// The bucket's size (gRPC allows 1 to 1000).
    public var maxTokens: Double
    /// Tokens a successful call gives back.
    public var tokenRatio: Double

    /// A bucket of `maxTokens`, refilled by `tokenRatio` per success.
    public init(maxTokens: Double, tokenRatio: Double) {
        self.maxTokens = min(1000, max(1, maxTokens))
        self.tokenRatio = max(0, tokenRatio)
    }
}

/// The parts of gRPC's service config that Courier applies: retry policies by service and
/// method, and retry throttling for the channel (`ChannelConfiguration.serviceConfig`).
public struct ServiceConfig: Sendable, Equatable {
    /// A method config: the methods it names and their policy.
    public struct MethodConfig: Sendable, Equatable {
        /// A service (`package.Service`) and, optionally, one of its methods; a missing method
        /// names the whole service, and an empty service every method.
        public struct Name: Sendable, Equatable {
            /// `package.Service`, or empty for every service.
            public var service: String
            /// The method, or nil for every method of the service.
            public var method: String?

            /// The name of `method` of `service` (every method when nil).
            public init(service: String, method: String? = nil) {
                self.service = service
                self.method = method
            }
        }

        /// Which methods this config is for.
        public var names: [Name]
        /// Their retry policy.
        public var retryPolicy: RetryPolicy?

        /// A config for `names` with `retryPolicy`.
        public init(names: [Name], retryPolicy: RetryPolicy?) {
            self.names = names
            self.retryPolicy = retryPolicy
        }
    }

    /// The method configs; the most specific name wins (method, then service, then the default).
    public var methodConfigs: [MethodConfig]
    /// Retry throttling for the channel; nil: none.
    public var retryThrottling: RetryThrottling?

    /// A service config of `methodConfigs` and `retryThrottling`.
    public init(methodConfigs: [MethodConfig] = [], retryThrottling: RetryThrottling? = nil) {
        self.methodConfigs = methodConfigs
        self.retryThrottling = retryThrottling
    }

    /// The retry policy of `method`, by gRPC's matching: an exact method name first, then its
    /// service, then the default config (an empty name).
    public func retryPolicy(for method: MethodDescriptor) -> RetryPolicy? {
        func config(where matches: (MethodConfig.Name) -> Bool) -> MethodConfig? { methodConfigs.first { $0.names.contains(where: matches) } }
        let service = method.service
        return (config { $0.service == service && $0.method == method.method }
            ?? config { $0.service == service && $0.method == nil }
            ?? config { $0.service.isEmpty && $0.method == nil })?.retryPolicy
    }
}

extension Duration {
    /// In seconds, as a floating-point number.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
