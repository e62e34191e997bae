import CourierHTTP2
import NIOConcurrencyHelpers
import NIOCore

/// A channel's subchannels, one per address of its target, and the load-balancing choice among
/// them. A `dns:` target's addresses are resolved on first use and again every
/// `ChannelConfiguration.resolveInterval` (and when no subchannel could take a call): new
/// addresses get subchannels, vanished ones are closed.
final class SubchannelSet: Sendable {
    let target: ChannelTarget
    private let group: any EventLoopGroup
    private let configuration: ChannelConfiguration
    /// The one subchannel of a single-address target: calls take it without a lock.
    private let fixed: Subchannel?
    /// Where tasks that prefer the channel's first connection's thread run.
    let homeExecutor: EventLoopTaskExecutor
    /// Resolves a `dns:` target's name (DNS; tests give other answers).
    private let resolver: @Sendable (String, Int) async throws -> [SubchannelAddress]

    private struct State {
        var subchannels: [Subchannel] = []
        var picker: SubchannelPicker
        var resolving: Task<Void, Never>?
        var refresher: Task<Void, Never>?
        var lastResolveError: RPCError?
        var closed = false
        /// Told of every subchannel made (the channel starts its health watch).
        var onNew: (@Sendable (Subchannel) -> Void)?
    }
    private let state: NIOLockedValueBox<State>

    init(
        target: ChannelTarget, group: any EventLoopGroup, configuration: ChannelConfiguration,
        resolver: @escaping @Sendable (String, Int) async throws -> [SubchannelAddress] = NameResolver.resolve
    ) {
        self.target = target
        self.resolver = resolver
        self.group = group
        self.configuration = configuration
        let addresses: [SubchannelAddress]
        switch target {
        case .host(let host, let port): addresses = [.host(host, port: port)]
        case .unix(let path): addresses = [.unix(path: path)]
        case .addresses(let list): addresses = list
        case .dns: addresses = []
        }
        let subchannels = addresses.map { Subchannel(address: $0, group: group, configuration: configuration) }
        fixed = subchannels.count == 1 ? subchannels[0] : nil
        homeExecutor = subchannels.first?.slots[0].executor ?? EventLoopTaskExecutor(group.next())
        state = NIOLockedValueBox(State(subchannels: subchannels, picker: SubchannelPicker(policy: configuration.loadBalancing)))
    }

    /// Calls `body` for every subchannel now and every one made later.
    func forEachSubchannel(_ body: @escaping @Sendable (Subchannel) -> Void) {
        let current = state.withLockedValue { state in
            state.onNew = body
            return state.subchannels
        }
        current.forEach(body)
    }

    /// The subchannels now.
    var all: [Subchannel] { state.withLockedValue { $0.subchannels } }

    /// A connection for a call, by the policy: its pick first, then the other available
    /// subchannels if the pick cannot connect (the call has not been sent: trying elsewhere is
    /// safe), waiting no later than `deadline`.
    func connection(deadline: NIODeadline?) async throws -> ClientConnection {
        if let fixed { return try await fixed.pickSlot().connection(deadline: deadline) }
        var (subchannels, first) = pick()
        if subchannels.isEmpty {
            await resolve()
            (subchannels, first) = pick()
            guard !subchannels.isEmpty else {
                throw state.withLockedValue { $0.lastResolveError } ?? RPCError(code: .unavailable, message: "\(target) has no addresses")
            }
        }
        var lastError: (any Error)?
        for offset in 0..<subchannels.count {
            let subchannel = subchannels[(first + offset) % subchannels.count]
            if offset > 0 && !subchannel.isAvailable { continue }
            do {
                return try await subchannel.pickSlot().connection(deadline: deadline)
            } catch let error as RPCError where error.code == .unavailable {
                lastError = error
            }
        }
        // Nothing could take the call: the addresses may have moved.
        if case .dns = target { startResolving() }
        throw lastError ?? RPCError(code: .unavailable, message: "no subchannel of \(target) is available")
    }

    private func pick() -> ([Subchannel], Int) {
        state.withLockedValue { state in
            let subchannels = state.subchannels
            return (subchannels, state.picker.pick(count: subchannels.count) { subchannels[$0].isAvailable })
        }
    }

    // MARK: DNS

    /// Resolves now (joining a resolution in flight), and starts the periodic refresh.
    func resolve() async {
        startResolving()
        await state.withLockedValue { $0.resolving }?.value
    }

    private func startResolving() {
        guard case .dns(let host, let port) = target else { return }
        state.withLockedValue { state in
            guard !state.closed, state.resolving == nil else { return }
            let resolver = self.resolver
            state.resolving = Task { [weak self] in
                let result: Result<[SubchannelAddress], RPCError>
                do {
                    result = .success(try await resolver(host, port))
                } catch {
                    result = .failure(RPCError(reporting: error))
                }
                await self?.apply(result)
            }
            if state.refresher == nil {
                let interval = configuration.resolveInterval
                state.refresher = Task { [weak self] in
                    while !Task.isCancelled {
                        try? await Task.sleep(for: interval)
                        if Task.isCancelled { return }
                        self?.startResolving()
                    }
                }
            }
        }
    }

    /// New addresses get subchannels, vanished ones are closed; a failed resolution keeps the
    /// addresses there are.
    private func apply(_ result: Result<[SubchannelAddress], RPCError>) async {
        var removed: [Subchannel] = []
        var added: [Subchannel] = []
        let onNew = state.withLockedValue { state -> (@Sendable (Subchannel) -> Void)? in
            defer { state.resolving = nil }
            switch result {
            case .failure(let error):
                state.lastResolveError = error
            case .success(let addresses):
                guard !state.closed, !addresses.isEmpty else {
                    state.lastResolveError = RPCError(code: .unavailable, message: "\(target) resolved to no addresses")
                    return nil
                }
                state.lastResolveError = nil
                removed = state.subchannels.filter { !addresses.contains($0.address) }
                let kept = state.subchannels.filter { addresses.contains($0.address) }
                added = addresses.filter { address in !kept.contains { $0.address == address } }
                    .map { Subchannel(address: $0, group: group, configuration: configuration) }
                state.subchannels = kept + added
            }
            return state.onNew
        }
        if let onNew { added.forEach(onNew) }
        for subchannel in removed { await subchannel.close() }
    }

    /// Stops resolving and closes every subchannel.
    func close() async {
        let subchannels = state.withLockedValue { state in
            state.closed = true
            state.resolving?.cancel()
            state.refresher?.cancel()
            return state.subchannels
        }
        for subchannel in subchannels { await subchannel.close() }
    }
}
