import Synchronization

/// Bytes a server holds for peers that have not read them yet (response DATA waiting on the peer's
/// flow-control window or a full socket), counted across all of its connections against one
/// limit. Without it a few connections that open many streams asking for large answers and never
/// open their windows make the server hold gigabytes; with it, answers past the budget are refused
/// and what is held is bounded. Each `HTTP2Session` of the server reports into it.
public final class OutboundByteBudget: Sendable {
    /// Most bytes held at once.
    public let limit: Int
    private let used = Atomic<Int>(0)

    /// A budget of `limit` bytes shared by every connection that reports into it.
    public init(limit: Int) { self.limit = limit }

    /// Bytes held now.
    public var held: Int { used.load(ordering: .relaxed) }

    /// Whether `count` more bytes fit.
    public func fits(_ count: Int) -> Bool { used.load(ordering: .relaxed) + count <= limit }

    func add(_ count: Int) { used.add(count, ordering: .relaxed) }
    func remove(_ count: Int) { used.subtract(count, ordering: .relaxed) }
}
