import Foundation

/// Decodes wire-format bytes of a message known from descriptors into protobuf's canonical JSON
/// mapping: lowerCamelCase names, 64-bit integers as strings, enums by name, bytes as base64,
/// fields at their default left out (as protobuf's JSON printers do), unknown fields dropped.
public struct ProtobufJSONDecoder: Sendable {
    public let pool: DescriptorPool

    public init(pool: DescriptorPool) { self.pool = pool }

    public func decode(_ bytes: [UInt8], messageType: String) throws -> JSONValue {
        try decode(bytes[...], messageType: messageType, path: "")
    }

    private func decode(_ bytes: ArraySlice<UInt8>, messageType: String, path: String) throws -> JSONValue {
        guard let message = pool.messages[messageType] else {
            throw JSONMappingError(path: path, reason: "unknown message type \(messageType)")
        }
        var reader = WireReader(bytes)
        var singles: [Int32: JSONValue] = [:]
        var defaults: Set<Int32> = []
        var repeated: [Int32: [JSONValue]] = [:]
        var maps: [Int32: [(String, JSONValue)]] = [:]
        var oneofMembers: Set<Int32> = []
        do {
            while let (number, value) = try reader.next() {
                guard let field = message.fields.first(where: { $0.number == number }) else { continue }
                let fieldPath = path.isEmpty ? field.jsonName : path + "." + field.jsonName
                if field.oneofIndex != nil { oneofMembers.insert(number) }
                if field.kind == .message, let entry = pool.messages[field.typeName], entry.isMapEntry {
                    guard case .lengthDelimited(let payload) = value else { throw JSONMappingError(path: fieldPath, reason: "a map entry must be length-delimited") }
                    maps[number, default: []].append(try mapEntry(payload, entry, path: fieldPath))
                } else if field.isRepeated {
                    if case .lengthDelimited(let payload) = value, field.kind.isPackable {
                        var packed = WireReader(payload)
                        while !packed.isAtEnd { repeated[number, default: []].append(try scalar(field, try Self.readPacked(field.kind, &packed), path: fieldPath)) }
                    } else {
                        repeated[number, default: []].append(try single(field, value, path: fieldPath))
                    }
                } else if field.kind == .message, case .lengthDelimited = value, case .object(let earlier)? = singles[number],
                          case .object(let later) = try single(field, value, path: fieldPath) {
                    // A message field seen twice merges (later fields win).
                    var merged = earlier.filter { name, _ in !later.contains { $0.0 == name } }
                    merged += later
                    singles[number] = .object(merged)
                } else {
                    singles[number] = try single(field, value, path: fieldPath)
                    if Self.isZero(value) { defaults.insert(number) } else { defaults.remove(number) }
                }
            }
        } catch let error as WireReader.Malformed {
            throw JSONMappingError(path: path, reason: "not a valid \(messageType): \(error)")
        }
        var members: [(String, JSONValue)] = []
        for field in message.fields {
            let name = field.jsonName
            if let entries = maps[field.number] {
                members.append((name, .object(entries)))
            } else if let list = repeated[field.number] {
                members.append((name, .array(list)))
            } else if let value = singles[field.number] {
                if oneofMembers.contains(field.number) || field.kind == .message || !defaults.contains(field.number) {
                    members.append((name, value))
                }
            }
        }
        return .object(members)
    }

    private func mapEntry(_ payload: ArraySlice<UInt8>, _ entry: ProtoMessage, path: String) throws -> (String, JSONValue) {
        guard case .object(let fields) = try decode(payload, messageType: entry.fullName, path: path) else { return ("", .null) }
        let keyField = entry.fields.first { $0.number == 1 }
        let valueField = entry.fields.first { $0.number == 2 }
        var key = fields.first { $0.0 == "key" }?.1
        if key == nil, let keyField { key = Self.defaultValue(keyField) }
        var value = fields.first { $0.0 == "value" }?.1
        if value == nil, let valueField { value = valueField.kind == .message ? .object([]) : Self.defaultValue(valueField) }
        let keyText: String
        switch key {
        case .string(let text)?, .number(let text)?: keyText = text
        case .bool(let flag)?: keyText = flag ? "true" : "false"
        default: keyText = ""
        }
        return (keyText, value ?? .null)
    }

    private func single(_ field: ProtoField, _ value: WireReader.Value, path: String) throws -> JSONValue {
        switch (field.kind, value) {
        case (.message, .lengthDelimited(let payload)):
            return try decode(payload, messageType: field.typeName, path: path)
        case (.string, .lengthDelimited(let payload)):
            guard let text = String(validating: payload, as: UTF8.self) else { throw JSONMappingError(path: path, reason: "invalid UTF-8") }
            return .string(text)
        case (.bytes, .lengthDelimited(let payload)):
            return .string(Data(payload).base64EncodedString())
        default:
            return try scalar(field, value, path: path)
        }
    }

    private func scalar(_ field: ProtoField, _ value: WireReader.Value, path: String) throws -> JSONValue {
        switch (field.kind, value) {
        case (.bool, .varint(let raw)): return .bool(raw != 0)
        case (.int32, .varint(let raw)): return .number(String(Int32(truncatingIfNeeded: raw)))
        case (.uint32, .varint(let raw)): return .number(String(UInt32(truncatingIfNeeded: raw)))
        case (.sint32, .varint(let raw)): return .number(String(Int32(truncatingIfNeeded: Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1))))
        case (.int64, .varint(let raw)): return .string(String(Int64(bitPattern: raw)))
        case (.uint64, .varint(let raw)): return .string(String(raw))
        case (.sint64, .varint(let raw)): return .string(String(Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)))
        case (.enum, .varint(let raw)):
            let number = Int32(truncatingIfNeeded: raw)
            if let name = pool.enums[field.typeName]?.values.first(where: { $0.number == number })?.name { return .string(name) }
            return .number(String(number))
        case (.fixed32, .fixed32(let raw)): return .number(String(raw))
        case (.sfixed32, .fixed32(let raw)): return .number(String(Int32(bitPattern: raw)))
        case (.float, .fixed32(let raw)): return Self.floating(Double(Float(bitPattern: raw)), shortest: "\(Float(bitPattern: raw))")
        case (.fixed64, .fixed64(let raw)): return .string(String(raw))
        case (.sfixed64, .fixed64(let raw)): return .string(String(Int64(bitPattern: raw)))
        case (.double, .fixed64(let raw)): return Self.floating(Double(bitPattern: raw), shortest: "\(Double(bitPattern: raw))")
        default:
            throw JSONMappingError(path: path, reason: "wire type does not match the field's type \(field.kind)")
        }
    }

    private static func readPacked(_ kind: ProtoField.Kind, _ reader: inout WireReader) throws -> WireReader.Value {
        switch kind {
        case .double, .fixed64, .sfixed64:
            return .fixed64(try reader.fixed(8))
        case .float, .fixed32, .sfixed32:
            return .fixed32(UInt32(truncatingIfNeeded: try reader.fixed(4)))
        default:
            return .varint(try reader.varint())
        }
    }

    private static func floating(_ value: Double, shortest: String) -> JSONValue {
        if value.isNaN { return .string("NaN") }
        if value.isInfinite { return .string(value < 0 ? "-Infinity" : "Infinity") }
        return .number(shortest)
    }

    /// Whether a scalar arrived as its type's default (proto3 JSON printers leave those out).
    private static func isZero(_ value: WireReader.Value) -> Bool {
        switch value {
        case .varint(let raw), .fixed64(let raw): raw == 0
        case .fixed32(let raw): raw == 0
        case .lengthDelimited(let payload): payload.isEmpty
        case .group: false
        }
    }

    private static func defaultValue(_ field: ProtoField) -> JSONValue {
        switch field.kind {
        case .string, .bytes: .string("")
        case .bool: .bool(false)
        case .int64, .uint64, .sint64, .fixed64, .sfixed64: .string("0")
        default: .number("0")
        }
    }
}
