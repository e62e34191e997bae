import RecoCore
/// The A/B split of SearchHome: group A keeps the two-tower order, group B gets the re-rank.
/// A user's group is a stable hash of their id (FNV-1a 64 with a salt per experiment), so it is the
/// same on every replica, across restarts, and needs no stored assignment.
public enum ExperimentGroup: String, Sendable {
    case a = "A"
    case b = "B"

    /// Buckets 0..<10000; the first `rerankShare` of them are group B.
    public static func of(userId: String, rerankShare: Double, salt: String) -> ExperimentGroup {
        bucket(of: userId, salt: salt) < Int((rerankShare * 10_000).rounded()) ? .b : .a
    }

    public static func bucket(of userId: String, salt: String) -> Int {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in salt.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        hash = (hash ^ 0x3A) &* 0x0000_0100_0000_01B3  // ":" between salt and id
        for byte in userId.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return Int(hash % 10_000)
    }
}
