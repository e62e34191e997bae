import NIOConcurrencyHelpers
import NIOCore

/// One address of a channel and its connections (`ChannelConfiguration.connections` of them,
/// calls in turn): what load balancing picks among. Unhealthy while its health check says so.
final class Subchannel: Sendable {
    let address: SubchannelAddress
    let slots: [ConnectionSlot]
    /// Its connections in turn (round robin among them, whatever the channel's policy).
    private let turns = NIOLockedValueBox(SubchannelPicker(policy: .roundRobin))
    /// False while the server's health service answers NOT_SERVING (or SERVICE_UNKNOWN) for
    /// `ChannelConfiguration.healthCheckService`.
    let healthy = NIOLockedValueBox(true)
    /// The health watch, while there is one.
    let healthWatch = NIOLockedValueBox<Task<Void, Never>?>(nil)

    init(address: SubchannelAddress, group: any EventLoopGroup, configuration: ChannelConfiguration) {
        self.address = address
        self.slots = (0..<max(1, configuration.connections)).map { _ in
            ConnectionSlot(address: address, group: group, configuration: configuration)
        }
    }

    /// Healthy, and one of its connections is connected or may connect now.
    var isAvailable: Bool { healthy.withLockedValue { $0 } && slots.contains { $0.isAvailable } }

    /// The connection for the next call: its connections in turn, skipping those backing off.
    func pickSlot() -> ConnectionSlot {
        if slots.count == 1 { return slots[0] }
        return slots[turns.withLockedValue { $0.pick(count: slots.count) { slots[$0].isAvailable } }]
    }

    /// Stops its health watch and closes its connections.
    func close() async {
        healthWatch.withLockedValue { $0 }?.cancel()
        for slot in slots { await slot.close() }
    }
}
