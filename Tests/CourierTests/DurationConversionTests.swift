@testable import CourierHTTP2
import NIOCore
import Testing

/// The public API's `Duration` and NIO's `TimeAmount`, converted both ways.
@Suite("Duration conversions")
struct DurationConversionTests {
    @Test("exact for sub-second and multi-second spans, saturating far out, both signs")
    func conversions() {
        #expect(Duration.milliseconds(1500).timeAmount == .milliseconds(1500))
        #expect(Duration.nanoseconds(7).timeAmount == .nanoseconds(7))
        #expect(Duration.seconds(-3).timeAmount == .seconds(-3))
        #expect(Duration.seconds(Int64.max).timeAmount == .nanoseconds(.max))
        #expect(Duration.seconds(Int64.min).timeAmount == .nanoseconds(.min))
        #expect(TimeAmount.microseconds(250).duration == .microseconds(250))
        #expect(Duration.seconds(2).nanoseconds == 2_000_000_000)
    }
}
