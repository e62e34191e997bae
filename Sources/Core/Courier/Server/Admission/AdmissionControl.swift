import NIOCore
import Synchronization

/// Decides, before a handler runs, whether the server takes a call (Google SRE, "Handling
/// Overload": refuse early and cheaply what cannot be done in time, so goodput stays flat past
/// capacity instead of collapsing):
///
/// - a call whose remaining deadline is shorter than its method usually takes is refused with
///   DEADLINE_EXCEEDED: its caller would give up before the answer;
/// - beyond the adaptive concurrency limit (`GradientConcurrencyLimit`), a sheddable call is
///   refused at once with RESOURCE_EXHAUSTED and `grpc-retry-pushback-ms`, telling clients when
///   to come back;
/// - a `critical` call (`x-courier-criticality: critical`, sent by services for work they have
///   already admitted, such as SearchHome's hops) is never shed and does not count against the
///   limit: refusing it would waste the work already done for its parent.
///
/// Shared by every event loop of a server; each decision takes one short lock.
public final class AdmissionControl: Sendable {
    /// The request header that marks a call critical; any other value, or none, is sheddable.
    public static let criticalityHeader = "x-courier-criticality"

    /// Why a call was refused.
    public struct Refusal: Error, Sendable {
        /// The status the refused call answers with.
        public var error: RPCError
        /// Milliseconds the client should wait before sending again (RESOURCE_EXHAUSTED only).
        public var pushbackMilliseconds: Int?
    }

    /// A call admitted against the limit; hand it back to `release` when the call ends.
    public struct Ticket: Sendable {
        let admitted: NIODeadline
        let path: String
        let counted: Bool
    }

    private struct State {
        var limit: GradientConcurrencyLimit
        var inFlight = 0
        /// Each method's typical service time (EWMA, nanoseconds), from its admitted calls.
        var serviceTimes: [String: Double] = [:]
        var refused = 0
    }

    private let state: Mutex<State>

    /// Admission under an adaptive concurrency limit.
    public init(limit: GradientConcurrencyLimit = GradientConcurrencyLimit()) {
        state = Mutex(State(limit: limit))
    }

    /// Admits or refuses a call of `path` that must end within `timeRemaining` (nil: no
    /// deadline); `critical` calls are not shed.
    public func admit(path: String, timeRemaining: Duration?, critical: Bool) -> Result<Ticket, Refusal> {
        let now = NIODeadline.now()
        return state.withLock { state in
            if let timeRemaining, let typical = state.serviceTimes[path] {
                let remaining = Double(timeRemaining.nanoseconds)
                if remaining < typical {
                    state.refused += 1
                    return .failure(Refusal(error: RPCError(
                        code: .deadlineExceeded,
                        message: "refused: \(Self.milliseconds(remaining)) ms left of the deadline, and this method takes about \(Self.milliseconds(typical)) ms"),
                        pushbackMilliseconds: nil))
                }
            }
            if critical { return .success(Ticket(admitted: now, path: path, counted: false)) }
            guard Double(state.inFlight) < state.limit.limit else {
                state.refused += 1
                // Come back in about the time calls now take: a slot frees by then.
                let pushback = max(5, Int(state.limit.shortLatency / 1_000_000 * 2))
                // Short and fixed: at several times capacity the server sends thousands a second.
                return .failure(Refusal(error: RPCError(code: .resourceExhausted, message: "overloaded"), pushbackMilliseconds: pushback))
            }
            state.inFlight += 1
            return .success(Ticket(admitted: now, path: path, counted: true))
        }
    }

    /// The call of `ticket` has ended: its latency feeds the limit and its method's service time.
    public func release(_ ticket: Ticket) {
        let latency = Double((NIODeadline.now() - ticket.admitted).nanoseconds)
        state.withLock { state in
            let typical = state.serviceTimes[ticket.path] ?? latency
            state.serviceTimes[ticket.path] = typical + (latency - typical) * 0.05
            guard ticket.counted else { return }
            state.limit.record(latencyNanoseconds: latency, inFlight: state.inFlight)
            state.inFlight -= 1
        }
    }

    /// The limit now, calls in flight against it, and calls refused so far.
    public var snapshot: (limit: Int, inFlight: Int, refused: Int) {
        state.withLock { (Int($0.limit.limit), $0.inFlight, $0.refused) }
    }

    private static func milliseconds(_ nanoseconds: Double) -> String {
        String(Int((nanoseconds / 1_000_000).rounded()))
    }
}
