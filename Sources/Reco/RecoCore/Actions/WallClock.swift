import Foundation

/// Wall-clock time in milliseconds since the Unix epoch: the unit of action timestamps, the TTL
/// and the History window.
public enum WallClock {
    public static func milliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
