import Foundation

/// Wall-clock time, for the timestamps actions carry (the server compares them with its clock).
enum WallClock {
    static func nowMilliseconds() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
