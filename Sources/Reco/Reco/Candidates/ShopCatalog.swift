import CourierProtos
import Foundation

/// Every shop of a part_date with where it is and how far it delivers, indexed on a grid of
/// roughly 1 km cells so "shops that deliver here" looks at the neighbourhood, not the city.
public struct ShopCatalog: Sendable {
    public let shops: [Int64: Reco_V1_Shop]
    private let cells: [Cell: [Int64]]
    private let maxRadiusMetres: Double
    private static let cellDegrees = 0.01

    private struct Cell: Hashable, Sendable {
        var latitude: Int
        var longitude: Int
    }

    public init(shops: [Reco_V1_Shop]) {
        var byId: [Int64: Reco_V1_Shop] = [:]
        var cells: [Cell: [Int64]] = [:]
        var maxRadius = 0.0
        for shop in shops {
            byId[shop.shopId] = shop
            if let location = shop.location { cells[Self.cell(of: location), default: []].append(shop.shopId) }
            maxRadius = max(maxRadius, shop.deliveryRadiusM)
        }
        self.shops = byId
        self.cells = cells
        self.maxRadiusMetres = maxRadius
    }

    /// Whether `shop` delivers to `location` (every shop does when there is no location).
    public func delivers(_ shop: Reco_V1_Shop, to location: Reco_V1_Location?) -> Bool {
        guard let location else { return true }
        guard let shopLocation = shop.location else { return false }
        return Geo.distance(location, shopLocation) <= shop.deliveryRadiusM
    }

    public func distance(of shop: Reco_V1_Shop, from location: Reco_V1_Location?) -> Double {
        guard let location, let shopLocation = shop.location else { return 0 }
        return Geo.distance(location, shopLocation)
    }

    /// Shops that deliver to `location`, most popular first (ties by id). Without a location,
    /// all shops.
    public func deliverableByPopularity(to location: Reco_V1_Location?) -> [Reco_V1_Shop] {
        var found: [Reco_V1_Shop] = []
        if let location {
            let latitudeSpan = Int((maxRadiusMetres / 111_000 / Self.cellDegrees).rounded(.up))
            let metresPerLongitudeDegree = max(1, 111_320 * cos(location.latitude * .pi / 180))
            let longitudeSpan = Int((maxRadiusMetres / metresPerLongitudeDegree / Self.cellDegrees).rounded(.up))
            let center = Self.cell(of: location)
            for dLat in -latitudeSpan...latitudeSpan {
                for dLon in -longitudeSpan...longitudeSpan {
                    guard let ids = cells[Cell(latitude: center.latitude + dLat, longitude: center.longitude + dLon)] else { continue }
                    for id in ids where delivers(shops[id]!, to: location) { found.append(shops[id]!) }
                }
            }
        } else {
            found = Array(shops.values)
        }
        return found.sorted { ($0.popularity, -$0.shopId) > ($1.popularity, -$1.shopId) }
    }

    private static func cell(of location: Reco_V1_Location) -> Cell {
        Cell(latitude: Int((location.latitude / cellDegrees).rounded(.down)),
             longitude: Int((location.longitude / cellDegrees).rounded(.down)))
    }

    /// Reads `shops.tsv`: a header line, then
    /// `shop_id \t name \t category \t latitude \t longitude \t delivery_radius_m \t popularity`.
    public static func load(path: String) throws -> ShopCatalog {
        var shops: [Reco_V1_Shop] = []
        for (number, line) in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").enumerated().dropFirst() {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count == 7, let id = Int64(fields[0]), let latitude = Double(fields[3]), let longitude = Double(fields[4]),
                  let radius = Double(fields[5]), let popularity = Double(fields[6]) else {
                throw ConfigurationError("\(path):\(number + 1): expected shop_id, name, category, latitude, longitude, delivery_radius_m, popularity")
            }
            var shop = Reco_V1_Shop()
            shop.shopId = id
            shop.name = String(fields[1])
            shop.category = String(fields[2])
            var location = Reco_V1_Location()
            location.latitude = latitude
            location.longitude = longitude
            shop.location = location
            shop.deliveryRadiusM = radius
            shop.popularity = popularity
            shops.append(shop)
        }
        return ShopCatalog(shops: shops)
    }
}
