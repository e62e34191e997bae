import NIOConcurrencyHelpers

/// The response metadata of a call, written on the event loop and read by the caller's task.
final class CallMetadataBox: Sendable {
    private let state = NIOLockedValueBox((initial: Metadata(), trailing: Metadata()))

    var initial: Metadata { state.withLockedValue { $0.initial } }
    var trailing: Metadata { state.withLockedValue { $0.trailing } }
    func setInitial(_ metadata: Metadata) { state.withLockedValue { $0.initial = metadata } }
    func setTrailing(_ metadata: Metadata) { state.withLockedValue { $0.trailing = metadata } }
}
