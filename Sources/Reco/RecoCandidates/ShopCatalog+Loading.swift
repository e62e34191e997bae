import RecoCore
import RecoProtos
import Foundation

extension ShopCatalog {
    /// Farthest a shop may deliver. Larger radii are data errors, and the neighbourhood search
    /// looks at a grid span proportional to the largest radius.
    static let maxDeliveryRadiusMetres = 100_000.0

    /// Reads `shops.tsv`: a header line, then
    /// `shop_id \t name \t category \t latitude \t longitude \t delivery_radius_m \t popularity`.
    /// Refuses, naming file, line and field: a wrong field count, an id that is not a positive
    /// integer or appears twice, coordinates that are not finite or out of range, a radius outside
    /// 0...100 km, a popularity that is not finite, an empty or control-character name.
    public static func load(path: String) throws -> ShopCatalog {
        var shops: [Reco_V1_Shop] = []
        var lineOfId: [Int64: Int] = [:]
        for line in try String(contentsOfFile: path, encoding: .utf8).batchDataLines(path: path) {
            try line.requireFieldCount(7, "shop_id, name, category, latitude, longitude, delivery_radius_m, popularity")
            var shop = Reco_V1_Shop()
            shop.shopId = try line.id(0, "shop_id")
            if let first = lineOfId.updateValue(line.number, forKey: shop.shopId) {
                throw line.error("shop_id", "\(shop.shopId) already appears on line \(first)")
            }
            shop.name = try line.text(1, "name")
            shop.category = try line.text(2, "category")
            var location = Reco_V1_Location()
            location.latitude = try line.number(3, "latitude", in: -90...90)
            location.longitude = try line.number(4, "longitude", in: -180...180)
            shop.location = location
            shop.deliveryRadiusM = try line.number(5, "delivery_radius_m", in: 0...maxDeliveryRadiusMetres)
            shop.popularity = try line.number(6, "popularity", in: -Double.greatestFiniteMagnitude...Double.greatestFiniteMagnitude)
            shops.append(shop)
        }
        return ShopCatalog(shops: shops)
    }
}
