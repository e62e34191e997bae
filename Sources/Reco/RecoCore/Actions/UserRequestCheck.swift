import Courier
import RecoProtos

/// The checks every per-user request shares (Candidates' and SearchHome's): a user, a limit that
/// is not negative, and a location that is a real coordinate — a caller's mistake is
/// INVALID_ARGUMENT naming the field, before any work.
public enum UserRequestCheck {
    /// Throws INVALID_ARGUMENT for the first field that is wrong.
    public static func check(userId: String, limit: Int32, location: Reco_V1_Location?) throws(RPCError) {
        guard !userId.isEmpty else { throw RPCError(code: .invalidArgument, message: "user_id: must not be empty") }
        guard limit >= 0 else { throw RPCError(code: .invalidArgument, message: "limit: must not be negative") }
        if let location, !location.isValidCoordinate {
            throw RPCError(code: .invalidArgument, message: "location: latitude must be in [-90, 90] and longitude in [-180, 180]")
        }
    }
}
