import Courier
import CourierSchema

/// gRPC's service config in its JSON form (service_config.proto, as grpc-go and gRPC C++ read it
/// from `--service_config_json` or DNS): the parts Courier applies, `methodConfig[].name`,
/// `methodConfig[].retryPolicy` and `retryThrottling`. Other fields are ignored, as gRPC
/// ignores fields it does not know; a malformed policy is an error naming the field.
extension ServiceConfig {
    /// Parses service config JSON such as
    /// `{"methodConfig": [{"name": [{"service": "reco.v1.HistoryService"}], "retryPolicy":
    /// {"maxAttempts": 3, "initialBackoff": "0.1s", "maxBackoff": "1s", "backoffMultiplier": 2,
    /// "retryableStatusCodes": ["UNAVAILABLE"]}}], "retryThrottling": {"maxTokens": 10, "tokenRatio": 0.1}}`.
    public init(json text: String) throws {
        let document: JSONValue
        do {
            document = try JSONValue.parse(text)
        } catch {
            throw ServiceConfigError("service config: \(error)")
        }
        let root = try Self.object(document, "service config")
        var methodConfigs: [MethodConfig] = []
        for (index, entry) in try Self.array(root["methodConfig"] ?? .array([]), "methodConfig").enumerated() {
            let place = "methodConfig[\(index)]"
            let config = try Self.object(entry, place)
            let names = try Self.array(config["name"] ?? .array([]), "\(place).name").map { name -> MethodConfig.Name in
                let fields = try Self.object(name, "\(place).name")
                return MethodConfig.Name(
                    service: try fields["service"].map { try Self.string($0, "\(place).name.service") } ?? "",
                    method: try fields["method"].map { try Self.string($0, "\(place).name.method") })
            }
            let policy = try config["retryPolicy"].map { try Self.retryPolicy($0, place: "\(place).retryPolicy") }
            methodConfigs.append(MethodConfig(names: names, retryPolicy: policy))
        }
        var throttling: RetryThrottling?
        if let value = root["retryThrottling"] {
            let fields = try Self.object(value, "retryThrottling")
            throttling = RetryThrottling(
                maxTokens: try Self.number(fields["maxTokens"], "retryThrottling.maxTokens"),
                tokenRatio: try Self.number(fields["tokenRatio"], "retryThrottling.tokenRatio"))
        }
        self.init(methodConfigs: methodConfigs, retryThrottling: throttling)
    }

    private static func retryPolicy(_ value: JSONValue, place: String) throws -> RetryPolicy {
        let fields = try object(value, place)
        let attempts = try number(fields["maxAttempts"], "\(place).maxAttempts")
        guard attempts >= 2 else { throw ServiceConfigError("\(place).maxAttempts must be at least 2, got \(attempts)") }
        let codes = try array(fields["retryableStatusCodes"] ?? .null, "\(place).retryableStatusCodes").map { code -> StatusCode in
            let name = try string(code, "\(place).retryableStatusCodes")
            guard let status = StatusCode(name: name) else {
                throw ServiceConfigError("\(place).retryableStatusCodes: unknown status '\(name)'")
            }
            return status
        }
        guard !codes.isEmpty else { throw ServiceConfigError("\(place).retryableStatusCodes must name at least one status") }
        let multiplier = try number(fields["backoffMultiplier"], "\(place).backoffMultiplier")
        guard multiplier > 0 else { throw ServiceConfigError("\(place).backoffMultiplier must be positive") }
        return RetryPolicy(
            maxAttempts: Int(attempts), initialBackoff: try duration(fields["initialBackoff"], "\(place).initialBackoff"),
            maxBackoff: try duration(fields["maxBackoff"], "\(place).maxBackoff"), backoffMultiplier: multiplier,
            retryableStatusCodes: Set(codes))
    }

    // MARK: JSON reading

    private static func object(_ value: JSONValue, _ place: String) throws -> [String: JSONValue] {
        guard case .object(let members) = value else { throw ServiceConfigError("\(place) must be an object, got \(value)") }
        return Dictionary(members, uniquingKeysWith: { _, last in last })
    }

    private static func array(_ value: JSONValue, _ place: String) throws -> [JSONValue] {
        guard case .array(let elements) = value else { throw ServiceConfigError("\(place) must be an array, got \(value)") }
        return elements
    }

    private static func string(_ value: JSONValue, _ place: String) throws -> String {
        guard case .string(let text) = value else { throw ServiceConfigError("\(place) must be a string, got \(value)") }
        return text
    }

    private static func number(_ value: JSONValue?, _ place: String) throws -> Double {
        guard case .number(let text)? = value, let number = Double(text), number.isFinite else {
            throw ServiceConfigError("\(place) must be a number, got \(value.map { "\($0)" } ?? "nothing")")
        }
        return number
    }

    /// A protobuf Duration in JSON: seconds with an "s", e.g. "0.1s"; positive.
    private static func duration(_ value: JSONValue?, _ place: String) throws -> Duration {
        guard case .string(let text)? = value, text.hasSuffix("s"), let seconds = Double(text.dropLast()), seconds > 0, seconds.isFinite else {
            throw ServiceConfigError("\(place) must be a positive duration such as \"0.1s\", got \(value.map { "\($0)" } ?? "nothing")")
        }
        return .nanoseconds(Int64(seconds * 1e9))
    }
}

/// A service config that does not read.
public struct ServiceConfigError: Error, CustomStringConvertible {
    /// What is wrong, naming the field.
    public let description: String
    init(_ description: String) { self.description = description }
}
