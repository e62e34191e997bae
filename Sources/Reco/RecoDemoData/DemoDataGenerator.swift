import RecoCore
import RecoCandidates
import RecoSimilarity
import Foundation

/// Writes a demo data set, deterministically from a seed, in the same files a real daily batch
/// would load (docs/data-format.md): a city of shops in Korean food categories, keywords per
/// category, users with long-term tastes and two-tower lists drawn from them, embeddings that put
/// each category's shops and keywords near each other, and sessions whose intent shifts.
public struct DemoDataGenerator: Sendable {
    public struct Configuration: Sendable {
        public var seed: UInt64 = 42
        public var shops = 3000
        public var users = 1000
        public var sessions = 300
        public var dimensions = 128
        public var twoTowerListLength = 200
        public var partDate = "2026-11-22"
        public init() {}

        /// 600 shops of 32 dimensions, 20 users, 5 sessions: written in a blink, for tests and
        /// quick trials.
        public static var small: Configuration {
            var demo = Configuration()
            demo.shops = 600
            demo.users = 20
            demo.sessions = 5
            demo.dimensions = 32
            return demo
        }
    }

    /// A user of the demo city, with where they live and what they like.
    public struct User: Sendable {
        public let userId: String
        public let home: (latitude: Double, longitude: Double)
        public let tastes: [String]
    }

    public struct Summary: Sendable, CustomStringConvertible {
        public let shops: Int
        public let keywords: Int
        public let users: Int
        public let sessions: Int
        public let partDate: String
        public var description: String {
            "demo data for part_date \(partDate): \(shops) shops, \(keywords) keywords, \(users) users, \(sessions) sessions"
        }
    }

    /// The burger regular of the seed scenario: two-tower list of burgers and chicken.
    public static let burgerRegular = "user-burger"
    /// City centre (Seoul City Hall); shops and users are spread about 10 km around it.
    public static let center = (latitude: 37.5665, longitude: 126.9780)

    public let configuration: Configuration

    public init(configuration: Configuration = Configuration()) { self.configuration = configuration }

    private struct Shop {
        let id: Int64
        let name: String
        let category: Int
        let latitude: Double
        let longitude: Double
        let radius: Double
        let popularity: Double
        var vector: [Float]

        var point: GeoPoint { GeoPoint(latitudeDegrees: latitude, longitudeDegrees: longitude) }

        func delivers(to home: GeoPoint) -> Bool { home.distance(to: point) <= radius }
    }

    @discardableResult
    public func write(to root: String) throws -> Summary {
        var random = SeededGenerator(seed: configuration.seed)
        let dimensions = configuration.dimensions
        let categories = DemoCategories.all

        // Vectors: a family direction plus a category's own direction, shops and keywords scattered
        // around their category's centre.
        let families = Array(Set(categories.map(\.family))).sorted()
        let familyVectors = Dictionary(uniqueKeysWithValues: families.map { ($0, randomUnit(&random, dimensions)) })
        let centers = categories.map { category in
            normalized(zip(familyVectors[category.family]!, randomUnit(&random, dimensions)).map { 0.7 * $0 + 0.7 * $1 })
        }

        var shops: [Shop] = []
        for index in 0..<configuration.shops {
            let category = random.index(categories.count)
            let latitude = Self.center.latitude + random.uniform(-0.09, 0.09)
            let longitude = Self.center.longitude + random.uniform(-0.11, 0.11)
            let brand = categories[category].brands[random.index(categories[category].brands.count)]
            let district = DemoCategories.districts[random.index(DemoCategories.districts.count)]
            shops.append(Shop(
                id: Int64(1001 + index), name: "\(brand) \(district)점", category: category,
                latitude: latitude, longitude: longitude, radius: (random.uniform(1500, 4000) / 10).rounded() * 10,
                popularity: (exp(random.gaussian()) * 100).rounded() / 100,
                vector: scattered(centers[category], spread: 0.45, &random)))
        }

        var keywords: [(String, [Float])] = []
        for (index, category) in categories.enumerated() {
            for keyword in category.keywords { keywords.append((keyword, scattered(centers[index], spread: 0.3, &random))) }
        }
        for (keyword, names) in DemoCategories.crossCategoryKeywords {
            let members = names.compactMap { name in categories.firstIndex { $0.name == name } }
            let mean = (0..<dimensions).map { d in members.map { centers[$0][d] }.reduce(0, +) / Float(members.count) }
            keywords.append((keyword, scattered(normalized(mean), spread: 0.3, &random)))
        }

        // Users: two tastes (often from one family); their two-tower list ranks the shops that deliver
        // home by closeness to their taste, with the model's noise.
        var users: [User] = []
        for index in 0..<configuration.users {
            let first = index == 0 ? categories.firstIndex { $0.name == "버거" }! : random.index(categories.count)
            var second: Int
            if index == 0 {
                second = categories.firstIndex { $0.name == "치킨" }!
            } else {
                repeat {
                    let siblings = categories.indices.filter { categories[$0].family == categories[first].family && $0 != first }
                    second = random.unit() < 0.6 && !siblings.isEmpty ? siblings[random.index(siblings.count)] : random.index(categories.count)
                } while second == first
            }
            let home = index == 0
                ? Self.center
                : (Self.center.latitude + random.uniform(-0.06, 0.06), Self.center.longitude + random.uniform(-0.08, 0.08))
            users.append(User(
                userId: index == 0 ? Self.burgerRegular : String(format: "user-%04d", index),
                home: home, tastes: [categories[first].name, categories[second].name]))
        }

        let embeddingsDirectory = "\(root)/embeddings/\(configuration.partDate)"
        let candidatesDirectory = "\(root)/candidates/\(configuration.partDate)"
        let demoDirectory = "\(root)/demo"
        for directory in [embeddingsDirectory, candidatesDirectory, demoDirectory] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }

        // Embeddings.
        try (shops.map { "\($0.id)" }.joined(separator: "\n") + "\n").write(toFile: "\(embeddingsDirectory)/shops.ids", atomically: true, encoding: .utf8)
        try NumpyFloatMatrix.write(path: "\(embeddingsDirectory)/shops.npy", rows: shops.count, columns: dimensions, values: shops.flatMap(\.vector))
        try (keywords.map(\.0).joined(separator: "\n") + "\n").write(toFile: "\(embeddingsDirectory)/keywords.ids", atomically: true, encoding: .utf8)
        try NumpyFloatMatrix.write(path: "\(embeddingsDirectory)/keywords.npy", rows: keywords.count, columns: dimensions, values: keywords.flatMap(\.1))
        try Data().write(to: URL(fileURLWithPath: "\(embeddingsDirectory)/_SUCCESS"))

        // Candidates: the catalogue and the two-tower lists.
        var catalogue = "shop_id\tname\tcategory\tlatitude\tlongitude\tdelivery_radius_m\tpopularity\n"
        for shop in shops {
            catalogue += "\(shop.id)\t\(shop.name)\t\(categories[shop.category].name)\t\(String(format: "%.6f", shop.latitude))\t\(String(format: "%.6f", shop.longitude))\t\(shop.radius)\t\(shop.popularity)\n"
        }
        try catalogue.write(toFile: "\(candidatesDirectory)/shops.tsv", atomically: true, encoding: .utf8)
        var lists = "user_id\tshops\n"
        var usersFile = "user_id\thome_latitude\thome_longitude\ttastes\n"
        for user in users {
            let taste = normalized((0..<dimensions).map { d in
                user.tastes.compactMap { name in categories.firstIndex { $0.name == name } }.map { centers[$0][d] }.reduce(0, +)
            })
            let home = GeoPoint(latitudeDegrees: user.home.latitude, longitudeDegrees: user.home.longitude)
            let scored = shops.filter { $0.delivers(to: home) }.map { shop in
                (shop.id, dot(taste, shop.vector) + Float(random.gaussian() * 0.05))
            }
            let list = scored.sorted { ($0.1, -$0.0) > ($1.1, -$1.0) }.prefix(configuration.twoTowerListLength)
            lists += "\(user.userId)\t" + list.map { "\($0.0):\(String(format: "%.4f", $0.1))" }.joined(separator: ",") + "\n"
            usersFile += "\(user.userId)\t\(String(format: "%.6f", user.home.latitude))\t\(String(format: "%.6f", user.home.longitude))\t\(user.tastes.joined(separator: ","))\n"
        }
        try lists.write(toFile: "\(candidatesDirectory)/two_tower.tsv", atomically: true, encoding: .utf8)
        try Data().write(to: URL(fileURLWithPath: "\(candidatesDirectory)/_SUCCESS"))
        try usersFile.write(toFile: "\(demoDirectory)/users.tsv", atomically: true, encoding: .utf8)

        // Sessions: a few actions in the user's tastes, then a shift to something else.
        let shopsByCategory = categories.indices.map { category in shops.filter { $0.category == category } }
        var sessionLines: [String] = []
        for number in 0..<configuration.sessions {
            let user = number == 0 ? users[0] : users[random.index(users.count)]
            let sessionId = String(format: "session-%04d", number)
            let home = GeoPoint(latitudeDegrees: user.home.latitude, longitudeDegrees: user.home.longitude)
            let tasteIndexes = user.tastes.compactMap { name in categories.firstIndex { $0.name == name } }
            var shift = random.index(categories.count)
            if number == 0 { shift = categories.firstIndex { $0.name == "샐러드" }! }
            while tasteIndexes.contains(shift) { shift = random.index(categories.count) }
            var offset = 0
            var sequence = 0
            func emit(_ kind: String, _ target: String) {
                offset += Int(random.uniform(2_000, 20_000))
                sessionLines.append("{\"user_id\":\"\(user.userId)\",\"session_id\":\"\(sessionId)\",\"event\":\(sequence),\"kind\":\"\(kind)\",\(target),\"offset_ms\":\(offset)}")
                sequence += 1
            }
            func shopOf(_ category: Int) -> Int64 {
                let nearby = shopsByCategory[category].filter { $0.delivers(to: home) }
                let pool = nearby.isEmpty ? shopsByCategory[category] : nearby
                return pool[random.index(pool.count)].id
            }
            for _ in 0..<(2 + random.index(3)) {
                emit(random.unit() < 0.6 ? "SHOP_CLICK" : "SHOP_VIEW", "\"shop_id\":\(shopOf(tasteIndexes[random.index(tasteIndexes.count)]))")
            }
            let shiftKeywords = categories[shift].keywords
            emit("KEYWORD_SEARCH", "\"keyword\":\"\(shiftKeywords[number == 0 ? 0 : random.index(shiftKeywords.count)])\"")
            emit("SHOP_CLICK", "\"shop_id\":\(shopOf(shift))")
            if random.unit() < 0.5 { emit("ORDER", "\"shop_id\":\(shopOf(shift))") }
        }
        try (sessionLines.joined(separator: "\n") + "\n").write(toFile: "\(demoDirectory)/sessions.jsonl", atomically: true, encoding: .utf8)

        return Summary(shops: shops.count, keywords: keywords.count, users: users.count, sessions: configuration.sessions, partDate: configuration.partDate)
    }

    // MARK: Vector helpers (Float, as stored)

    private func randomUnit(_ random: inout SeededGenerator, _ dimensions: Int) -> [Float] {
        normalized((0..<dimensions).map { _ in Float(random.gaussian()) })
    }

    private func scattered(_ center: [Float], spread: Float, _ random: inout SeededGenerator) -> [Float] {
        let noise = randomUnit(&random, center.count)
        return normalized(zip(center, noise).map { $0 + spread * $1 })
    }

    private func normalized(_ vector: [Float]) -> [Float] {
        let norm = dot(vector, vector).squareRoot()
        return norm > 0 ? vector.map { $0 / norm } : vector
    }

    private func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
}
