import NIOCore

// The public API speaks Swift's `Duration`; NIO schedules with `TimeAmount`. One conversion each
// way, for Courier's own modules.
package extension Duration {
    /// This duration as NIO's `TimeAmount` (nanoseconds, saturating).
    var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        let (whole, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return .nanoseconds(seconds < 0 ? .min : .max) }
        let (total, overflowAgain) = whole.addingReportingOverflow(attoseconds / 1_000_000_000)
        return .nanoseconds(overflowAgain ? (seconds < 0 ? .min : .max) : total)
    }

    /// Whole nanoseconds, saturating.
    var nanoseconds: Int64 { timeAmount.nanoseconds }
}

package extension TimeAmount {
    /// This amount as Swift's `Duration`.
    var duration: Duration { .nanoseconds(nanoseconds) }
}
