import Foundation
import CourierProtos

/// Distances on Earth, for "does this shop deliver to where the user is".
public enum Geo {
    static let earthRadiusMetres = 6_371_008.8

    /// Great-circle (haversine) distance in metres.
    public static func distance(_ a: GeoPoint, _ b: GeoPoint) -> Double {
        let lat1 = a.latitude * .pi / 180, lat2 = b.latitude * .pi / 180
        let dLat = lat2 - lat1
        let dLon = (b.longitude - a.longitude) * .pi / 180
        let h = sin(dLat / 2) * sin(dLat / 2) + cos(lat1) * cos(lat2) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * earthRadiusMetres * asin(min(1, h.squareRoot()))
    }
}

/// Anything with a latitude and longitude in degrees.
public protocol GeoPoint {
    var latitude: Double { get }
    var longitude: Double { get }
}

extension Reco_V1_Location: GeoPoint {}
