import Histogram

/// p50, p90, p99, p99.9, max and mean of an HDR histogram of microseconds, in milliseconds.
struct LatencyPercentiles: Codable, Sendable {
    var p50: Double
    var p90: Double
    var p99: Double
    var p99_9: Double
    var max: Double
    var mean: Double

    init(_ histogram: Histogram<UInt64>) {
        func ms(_ micros: UInt64) -> Double { Double(micros) / 1000 }
        p50 = ms(histogram.valueAtPercentile(50))
        p90 = ms(histogram.valueAtPercentile(90))
        p99 = ms(histogram.valueAtPercentile(99))
        p99_9 = ms(histogram.valueAtPercentile(99.9))
        max = ms(histogram.max)
        mean = histogram.totalCount == 0 ? 0 : histogram.mean / 1000
    }
}
