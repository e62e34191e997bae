import RecoProtos
import Foundation

/// A point on Earth kept in the form distance needs (radians, and the cosine of the latitude,
/// computed once), so "does this shop deliver here" costs no trigonometry per shop.
public struct GeoPoint: Sendable {
    static let earthRadiusMetres = 6_371_008.8

    /// Radians.
    public let latitude: Double
    /// Radians.
    public let longitude: Double
    /// The cosine of `latitude`, computed once.
    public let cosLatitude: Double

    public init(latitudeDegrees: Double, longitudeDegrees: Double) {
        latitude = latitudeDegrees * .pi / 180
        longitude = longitudeDegrees * .pi / 180
        cosLatitude = cos(latitude)
    }

    public init(_ location: Reco_V1_Location) {
        self.init(latitudeDegrees: location.latitude, longitudeDegrees: location.longitude)
    }

    /// Metres, by the equirectangular approximation: within 0.1 m of the great-circle distance at
    /// delivery ranges (a few kilometres).
    public func distance(to other: GeoPoint) -> Double {
        let x = (other.longitude - longitude) * (cosLatitude + other.cosLatitude) / 2
        let y = other.latitude - latitude
        return Self.earthRadiusMetres * (x * x + y * y).squareRoot()
    }
}

extension Reco_V1_Location {
    /// Latitude within -90...90 and longitude within -180...180 (so neither NaN nor infinite):
    /// what every service checks before it computes with a caller's location.
    public var isValidCoordinate: Bool {
        (-90...90).contains(latitude) && (-180...180).contains(longitude)
    }
}
