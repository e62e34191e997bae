/// Which services a `reco serve` process runs.
public enum RecoRole: String, Sendable, CaseIterable {
    /// All four on one port, SearchHome calling the others through that port.
    case all
    case history
    case similarity
    case candidates
    case searchhome
}
