import ArgumentParser

/// A duration on the command line: "30s", "500ms", "2m", "250us"; "0" alone is zero.
public struct DurationArgument: ExpressibleByArgument, Sendable, CustomStringConvertible {
    public let duration: Duration
    public let description: String

    public init?(argument: String) {
        if argument == "0" {
            (duration, description) = (.zero, argument)
            return
        }
        let units: [(String, Double)] = [("ms", 1e-3), ("us", 1e-6), ("µs", 1e-6), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where argument.hasSuffix(suffix) {
            guard let value = Double(argument.dropLast(suffix.count)), value >= 0, value.isFinite, value * scale < 1e9 else { return nil }
            duration = .nanoseconds(Int64((value * scale * 1e9).rounded()))
            description = argument
            return
        }
        return nil
    }

    /// As a call's deadline: zero means none (no grpc-timeout sent), as `ghz --timeout 0`.
    public var timeout: Duration? { duration == .zero ? nil : duration }
}

extension Duration {
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
