import RecoCore
import RecoProtos
import Foundation

/// Every shop of a part_date with where it is and how far it delivers, indexed on a grid of
/// roughly 1 km cells so "shops that deliver here" looks at the neighbourhood, not the city.
///
/// Shops are kept in one array ordered by popularity (most popular first), so a shop's slot is
/// also its popularity rank: a neighbourhood is ordered by sorting integers.
public struct ShopCatalog: Sendable {
    /// By slot, most popular first (ties by id).
    public let shops: [Reco_V1_Shop]
    private let geometry: [ShopGeometry]
    private let slots: ShopRowIndex
    /// Slots of the shops in each cell, ascending (most popular first).
    private let cells: [Cell: [Int32]]
    private let maxRadiusMetres: Double
    private static let cellDegrees = 0.01

    private struct Cell: Hashable, Sendable {
        var latitude: Int
        var longitude: Int
    }

    /// What the delivery check needs: where the shop is (nil when unknown) and how far it delivers.
    private struct ShopGeometry: Sendable {
        var point: GeoPoint?
        var radius: Double
    }

    public init(shops unordered: [Reco_V1_Shop]) {
        let ordered = unordered.sorted { ($0.popularity, -$0.shopId) > ($1.popularity, -$1.shopId) }
        var cells: [Cell: [Int32]] = [:]
        var geometry: [ShopGeometry] = []
        geometry.reserveCapacity(ordered.count)
        var maxRadius = 0.0
        for (slot, shop) in ordered.enumerated() {
            if let location = shop.location {
                cells[Self.cell(of: location), default: []].append(Int32(slot))
                geometry.append(ShopGeometry(point: GeoPoint(location), radius: shop.deliveryRadiusM))
            } else {
                geometry.append(ShopGeometry(point: nil, radius: 0))
            }
            maxRadius = max(maxRadius, shop.deliveryRadiusM)
        }
        self.shops = ordered
        self.geometry = geometry
        // Ids were unique in every batch we load; a repeat keeps the more popular entry's slot.
        self.slots = (try? ShopRowIndex(ids: ordered.map(\.shopId))) ?? ShopRowIndex(firstOccurrenceOf: ordered.map(\.shopId))
        self.cells = cells
        self.maxRadiusMetres = maxRadius
    }

    public var count: Int { shops.count }

    /// The slot of a shop id, if the catalogue has it.
    public func slot(of id: Int64) -> Int? { slots.row(of: id).map(Int.init) }

    public func shop(_ id: Int64) -> Reco_V1_Shop? { slot(of: id).map { shops[$0] } }

    /// Distance in metres from `point` to the shop in `slot` (0 when the shop has no location).
    public func distance(slot: Int, from point: GeoPoint) -> Double {
        geometry[slot].point.map(point.distance) ?? 0
    }

    /// Whether the shop in `slot` delivers to `point` (every shop does when there is no point).
    public func delivers(slot: Int, to point: GeoPoint?) -> Bool {
        guard let point else { return true }
        guard let shop = geometry[slot].point else { return false }
        return point.distance(to: shop) <= geometry[slot].radius
    }

    /// Up to `limit` slots of shops that deliver to `point`, most popular first, skipping slots
    /// `excluded` marks. Without a point, the most popular shops overall.
    public func popularSlots(deliveringTo point: GeoPoint?, limit: Int, excluded: [Bool]) -> [Int] {
        var found: [Int] = []
        guard limit > 0 else { return found }
        guard let point else {
            for slot in shops.indices where !excluded[slot] {
                found.append(slot)
                if found.count == limit { break }
            }
            return found
        }
        let latitudeSpan = Int((maxRadiusMetres / 111_000 / Self.cellDegrees).rounded(.up))
        let metresPerLongitudeDegree = max(1, 111_320 * point.cosLatitude)
        let longitudeSpan = Int((maxRadiusMetres / metresPerLongitudeDegree / Self.cellDegrees).rounded(.up))
        let center = Cell(latitude: Int((point.latitude * 180 / .pi / Self.cellDegrees).rounded(.down)),
                          longitude: Int((point.longitude * 180 / .pi / Self.cellDegrees).rounded(.down)))
        var window: [[Int32]] = []
        var inWindow = 0
        for dLat in -latitudeSpan...latitudeSpan {
            for dLon in -longitudeSpan...longitudeSpan {
                guard let cell = cells[Cell(latitude: center.latitude + dLat, longitude: center.longitude + dLon)] else { continue }
                window.append(cell)
                inWindow += cell.count
            }
        }
        // Slots are in popularity order. When the cells around the point hold a good share of all
        // shops (a city centre), walking every slot in that order and stopping at `limit` checks
        // far fewer shops than gathering the window and sorting it (this was the largest single
        // cost of a Recommend in the all-in-one profile); both give the same shops.
        if inWindow * 4 > shops.count {
            for slot in shops.indices where !excluded[slot] && delivers(slot: slot, to: point) {
                found.append(slot)
                if found.count == limit { break }
            }
            return found
        }
        var nearby: [Int32] = []
        for cell in window {
            for slot in cell where !excluded[Int(slot)] && delivers(slot: Int(slot), to: point) { nearby.append(slot) }
        }
        nearby.sort()
        return nearby.prefix(limit).map(Int.init)
    }

    private static func cell(of location: Reco_V1_Location) -> Cell {
        Cell(latitude: Int((location.latitude / cellDegrees).rounded(.down)),
             longitude: Int((location.longitude / cellDegrees).rounded(.down)))
    }
}
