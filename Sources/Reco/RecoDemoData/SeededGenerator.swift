import RecoCore
import Foundation

/// A deterministic random source (SplitMix64): the same seed gives the same demo data on every
/// machine and Swift version, which the standard library's generator does not promise.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [lower, upper).
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double { lower + (upper - lower) * unit() }

    /// Standard normal (Box-Muller).
    public mutating func gaussian() -> Double {
        let u = max(unit(), 0x1.0p-53), v = unit()
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }

    public mutating func index(_ count: Int) -> Int { Int(next() % UInt64(count)) }
}
