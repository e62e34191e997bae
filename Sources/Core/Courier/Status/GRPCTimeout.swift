import NIOCore

/// The `grpc-timeout` header (PROTOCOL-HTTP2.md, "Requests"): at most 8 ASCII digits and a unit,
/// H hours, M minutes, S seconds, m milliseconds, u microseconds, n nanoseconds.
enum GRPCTimeout {
    static func parse(_ value: String) -> TimeAmount? {
        guard let unit = value.last, value.count >= 2, value.count <= 9 else { return nil }
        let digits = value.dropLast()
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let amount = Int64(digits) else { return nil }
        switch unit {
        case "H": return .hours(amount)
        case "M": return .minutes(amount)
        case "S": return .seconds(amount)
        case "m": return .milliseconds(amount)
        case "u": return .microseconds(amount)
        case "n": return .nanoseconds(amount)
        default: return nil
        }
    }

    /// The most precise unit whose value fits in 8 digits, rounded up: the server gives up no
    /// sooner than the client, which enforces its own deadline and cancels the stream then.
    static func format(_ timeout: TimeAmount) -> String {
        let nanoseconds = max(Int64(1), timeout.nanoseconds)
        let units: [(Int64, Character)] = [
            (1, "n"), (1_000, "u"), (1_000_000, "m"), (1_000_000_000, "S"), (60_000_000_000, "M"), (3_600_000_000_000, "H"),
        ]
        for (scale, unit) in units {
            let value = (nanoseconds + scale - 1) / scale
            if value <= 99_999_999 { return "\(value)\(unit)" }
        }
        return "99999999H"
    }
}
