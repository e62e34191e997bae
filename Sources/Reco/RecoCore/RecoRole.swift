/// Which services a `reco serve` process runs.
public enum RecoRole: String, Sendable, CaseIterable {
    /// All four on one port, SearchHome calling the others through that port.
    case all
    case history
    case similarity
    case candidates
    case searchhome

    /// Whether a process in this role serves `service`.
    public func runs(_ service: RecoRole) -> Bool { self == .all || self == service }
}
