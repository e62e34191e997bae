import RecoCore
import Foundation
import RecoProtos

/// Implicit-feedback weight of each kind of action: how strongly it says "the user wants this".
public struct ActionWeights: Sendable, Equatable {
    public var shopClick: Float = 1.0
    public var shopView: Float = 0.5
    public var addToCart: Float = 1.5
    public var order: Float = 2.0
    public var keywordSearch: Float = 1.0

    public init() {}

    public func weight(of kind: Reco_V1_ActionKind) -> Float {
        switch kind {
        case .shopClick: shopClick
        case .shopView: shopView
        case .addToCart: addToCart
        case .order: order
        case .keywordSearch: keywordSearch
        case .unspecified, .unrecognized: 0
        }
    }

    /// Parses "click=1,view=0.5,cart=1.5,order=2,search=1" (any subset).
    public init(parsing text: String) throws {
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let value = Float(parts[1].trimmingCharacters(in: .whitespaces)), value >= 0 else {
                throw ConfigurationError("weights: expected kind=number, got \"\(pair)\"")
            }
            switch parts[0].trimmingCharacters(in: .whitespaces) {
            case "click": shopClick = value
            case "view": shopView = value
            case "cart": addToCart = value
            case "order": order = value
            case "search": keywordSearch = value
            default: throw ConfigurationError("weights: unknown kind \"\(parts[0])\" (click, view, cart, order, search)")
            }
        }
    }
}
