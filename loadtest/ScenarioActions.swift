import ArgumentParser
import RecoProtos
import Foundation

/// The simulated users' actions: who, what kind (the mix of a food app: mostly clicks and views),
/// which shop or keyword. Keywords are the demo data set's (`reco demo-data`).
struct ScenarioActions: @unchecked Sendable {
    // @unchecked: immutable after init (the tuple is not declared Sendable).
    let users: Int
    let shops: Int
    let runId: String
    /// Where users are (nil: requests carry no location), and how far they spread, in degrees.
    let center: (latitude: Double, longitude: Double)?
    let spread: Double

    static let keywords = [
        "치킨", "양념치킨", "피자", "고르곤졸라", "햄버거", "수제버거", "짜장면", "짬뽕", "탕수육", "마라탕", "마라샹궈",
        "아이스 아메리카노", "카페라떼", "케이크", "마카롱", "떡볶이", "김밥", "김치찌개", "비빔밥", "족발", "보쌈",
        "샐러드", "포케", "초밥", "돈카츠", "라멘",
    ]

    /// Users read from a file (id and home), used instead of the generated ids and spots.
    var knownUsers: [(id: String, latitude: Double, longitude: Double)] = []

    /// Reads `users.tsv` as `reco demo-data` writes it: a header, then user_id, home latitude,
    /// home longitude (further columns ignored).
    static func readUsers(path: String) throws -> [(id: String, latitude: Double, longitude: Double)] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").dropFirst().map { line in
            let fields = line.split(separator: "\t")
            guard fields.count >= 3, let latitude = Double(fields[1]), let longitude = Double(fields[2]) else {
                throw ValidationError("\(path): expected user_id, latitude, longitude per line, got \"\(line)\"")
            }
            return (String(fields[0]), latitude, longitude)
        }
    }

    /// Where a user asks from: their home from the users file, else their own stable spot around
    /// the centre.
    func location(ofUser index: Int) -> Reco_V1_Location? {
        guard let center else { return nil }
        if !knownUsers.isEmpty {
            let user = knownUsers[index % knownUsers.count]
            var location = Reco_V1_Location()
            location.latitude = user.latitude
            location.longitude = user.longitude
            return location
        }
        // A stable spot per user, spread evenly: the fractional parts of multiples of two
        // irrational numbers (a low-discrepancy sequence), mapped onto the square around the centre.
        let n = Double(index % users)
        var location = Reco_V1_Location()
        location.latitude = center.latitude + (2 * (n * 0.618_033_988_749_895).truncatingRemainder(dividingBy: 1) - 1) * spread
        location.longitude = center.longitude + (2 * (n * 0.754_877_666_246_693).truncatingRemainder(dividingBy: 1) - 1) * spread
        return location
    }

    /// Demo user ids: "user-burger" and "user-0001"... (as `reco demo-data` names them).
    func userId(_ index: Int) -> String {
        if !knownUsers.isEmpty { return knownUsers[index % knownUsers.count].id }
        return index % users == 0 ? "user-burger" : "user-" + String(index % users).leftPadded(to: 4)
    }

    func random(sequence: Int, using random: inout some RandomNumberGenerator) -> Reco_V1_UserAction {
        var action = Reco_V1_UserAction()
        let user = Int.random(in: 0..<(knownUsers.isEmpty ? users : knownUsers.count), using: &random)
        action.eventId = "\(runId)-\(sequence)"
        action.userId = userId(user)
        action.sessionId = "\(runId)-session-\(user)"
        let roll = Double.random(in: 0..<1, using: &random)
        switch roll {
        case ..<0.15:
            action.kind = .keywordSearch
            action.target = .keyword(Self.keywords.randomElement(using: &random)!)
        default:
            action.kind = roll < 0.60 ? .shopClick : roll < 0.92 ? .shopView : roll < 0.97 ? .addToCart : .order
            action.target = .shopId(Int64(1001 + Int.random(in: 0..<shops, using: &random)))
        }
        return action
    }
}

extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
