import CourierProtobuf
import Foundation

/// A JSON value that does not fit the message, with the field path to it (`payload.body`).
public struct JSONMappingError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String
    public var description: String { path.isEmpty ? reason : "\(path): \(reason)" }
}

/// Encodes JSON in protobuf's canonical mapping (proto3 JSON) to wire format, for a message type
/// known only from descriptors. Accepts a field's JSON name (lowerCamelCase) or its proto name;
/// 64-bit integers as numbers or strings; enums by name or number; bytes as base64; floats as
/// numbers or "NaN"/"Infinity"/"-Infinity". Writes fields in field-number order and map entries
/// sorted by key, as protobuf's deterministic serialization does.
public struct ProtobufJSONEncoder: Sendable {
    public let pool: DescriptorPool

    public init(pool: DescriptorPool) { self.pool = pool }

    public func encode(json: String, messageType: String) throws -> [UInt8] {
        let parsed: JSONValue
        do {
            parsed = try JSONValue.parse(json)
        } catch {
            throw JSONMappingError(path: "", reason: "\(error)")
        }
        return try encode(value: parsed, messageType: messageType, path: "")
    }

    public func encode(value: JSONValue, messageType: String, path: String = "") throws -> [UInt8] {
        guard let message = pool.messages[messageType] else {
            throw JSONMappingError(path: path, reason: "unknown message type \(messageType)")
        }
        guard case .object(let object) = value else {
            throw JSONMappingError(path: path, reason: "expected a JSON object for \(messageType)")
        }
        var byNumber: [(Int32, [UInt8])] = []
        var seenOneofs: [Int: String] = [:]
        for (key, fieldValue) in object {
            guard let field = message.fields.first(where: { $0.jsonName == key || $0.name == key }) else {
                throw JSONMappingError(path: Self.join(path, key), reason: "no field \"\(key)\" in \(messageType)")
            }
            if fieldValue == .null { continue }
            let fieldPath = Self.join(path, key)
            if let oneof = field.oneofIndex, !field.isProto3Optional {
                if let other = seenOneofs[oneof] {
                    throw JSONMappingError(path: fieldPath, reason: "oneof \(message.oneofNames[oneof]) already set by \(other)")
                }
                seenOneofs[oneof] = key
            }
            var writer = WireWriter()
            try encodeField(field, fieldValue, into: &writer, path: fieldPath, alwaysEmit: field.oneofIndex != nil)
            byNumber.append((field.number, writer.bytes))
        }
        var writer = WireWriter()
        for (_, bytes) in byNumber.sorted(by: { $0.0 < $1.0 }) { writer.append(bytes) }
        return writer.bytes
    }

    private func encodeField(_ field: ProtoField, _ value: JSONValue, into writer: inout WireWriter, path: String, alwaysEmit: Bool) throws {
        if field.isRepeated {
            if field.kind == .message, let entry = pool.messages[field.typeName], entry.isMapEntry {
                try encodeMap(field, entry, value, into: &writer, path: path)
                return
            }
            guard case .array(let array) = value else { throw JSONMappingError(path: path, reason: "expected a JSON array") }
            if field.kind.isPackable && !field.isExplicitlyUnpacked {
                var packed = WireWriter()
                for (index, element) in array.enumerated() {
                    try encodeScalar(field, element, into: &packed, path: "\(path)[\(index)]")
                }
                if !array.isEmpty { writer.lengthDelimited(field.number, packed.bytes) }
            } else {
                for (index, element) in array.enumerated() {
                    try encodeSingle(field, element, into: &writer, path: "\(path)[\(index)]", alwaysEmit: true)
                }
            }
            return
        }
        try encodeSingle(field, value, into: &writer, path: path, alwaysEmit: alwaysEmit)
    }

    private func encodeMap(_ field: ProtoField, _ entry: ProtoMessage, _ value: JSONValue, into writer: inout WireWriter, path: String) throws {
        guard case .object(let object) = value else { throw JSONMappingError(path: path, reason: "expected a JSON object (a map)") }
        guard let keyField = entry.fields.first(where: { $0.number == 1 }), let valueField = entry.fields.first(where: { $0.number == 2 }) else {
            throw JSONMappingError(path: path, reason: "malformed map entry \(entry.fullName)")
        }
        var entries: [(sortKey: String, numericKey: Int64?, bytes: [UInt8])] = []
        for (key, element) in object {
            // Map keys are JSON strings; as the key type reads them.
            let keyValue: JSONValue
            switch keyField.kind {
            case .string: keyValue = .string(key)
            case .bool: keyValue = key == "true" ? .bool(true) : key == "false" ? .bool(false) : .string(key)
            default: keyValue = .number(key)
            }
            var entryWriter = WireWriter()
            try encodeSingle(keyField, keyValue, into: &entryWriter, path: "\(path)[\(key)]", alwaysEmit: true)
            try encodeSingle(valueField, element, into: &entryWriter, path: "\(path)[\(key)]", alwaysEmit: true)
            entries.append((key, Int64(key), entryWriter.bytes))
        }
        entries.sort { a, b in
            if let x = a.numericKey, let y = b.numericKey, keyField.kind != .string { return x < y }
            return a.sortKey < b.sortKey
        }
        for entry in entries { writer.lengthDelimited(field.number, entry.bytes) }
    }

    private func encodeSingle(_ field: ProtoField, _ value: JSONValue, into writer: inout WireWriter, path: String, alwaysEmit: Bool) throws {
        switch field.kind {
        case .message:
            writer.lengthDelimited(field.number, try encode(value: value, messageType: field.typeName, path: path))
        case .string:
            guard case .string(let text) = value else { throw JSONMappingError(path: path, reason: "expected a string") }
            if alwaysEmit || !text.isEmpty { writer.lengthDelimited(field.number, Array(text.utf8)) }
        case .bytes:
            // Base64 or base64url, padded or not: proto3's JSON mapping accepts all four.
            guard case .string(let text) = value, let data = Base64.decodeIfValid(text) else {
                throw JSONMappingError(path: path, reason: "expected base64 bytes")
            }
            if alwaysEmit || !data.isEmpty { writer.lengthDelimited(field.number, data) }
        case .group:
            throw JSONMappingError(path: path, reason: "groups are not supported")
        default:
            var scalar = WireWriter()
            let isDefault = try encodeScalar(field, value, into: &scalar, path: path)
            if alwaysEmit || !isDefault {
                writer.tag(field.number, wireType: Self.wireType(field.kind))
                writer.append(scalar.bytes)
            }
        }
    }

    /// Writes a numeric, bool or enum value (no tag); returns whether it is the type's default.
    @discardableResult
    private func encodeScalar(_ field: ProtoField, _ value: JSONValue, into writer: inout WireWriter, path: String) throws -> Bool {
        switch field.kind {
        case .bool:
            guard case .bool(let flag) = value else { throw JSONMappingError(path: path, reason: "expected true or false") }
            writer.varint(flag ? 1 : 0)
            return !flag
        case .enum:
            let number: Int32
            if case .string(let name) = value {
                guard let found = pool.enums[field.typeName]?.values.first(where: { $0.name == name }) else {
                    throw JSONMappingError(path: path, reason: "no value \"\(name)\" in enum \(field.typeName)")
                }
                number = found.number
            } else {
                number = Int32(try Self.integer(value, path: path, in: Int64(Int32.min)...Int64(Int32.max)))
            }
            writer.varint(UInt64(bitPattern: Int64(number)))
            return number == 0
        case .int32:
            let v = Int32(try Self.integer(value, path: path, in: Int64(Int32.min)...Int64(Int32.max)))
            writer.varint(UInt64(bitPattern: Int64(v)))
            return v == 0
        case .sint32:
            let v = Int32(try Self.integer(value, path: path, in: Int64(Int32.min)...Int64(Int32.max)))
            writer.varint(WireWriter.zigzag32(v))
            return v == 0
        case .sfixed32:
            let v = Int32(try Self.integer(value, path: path, in: Int64(Int32.min)...Int64(Int32.max)))
            writer.fixed32(UInt32(bitPattern: v))
            return v == 0
        case .uint32:
            let v = UInt32(try Self.integer(value, path: path, in: 0...Int64(UInt32.max)))
            writer.varint(UInt64(v))
            return v == 0
        case .fixed32:
            let v = UInt32(try Self.integer(value, path: path, in: 0...Int64(UInt32.max)))
            writer.fixed32(v)
            return v == 0
        case .int64:
            let v = try Self.integer(value, path: path, in: Int64.min...Int64.max)
            writer.varint(UInt64(bitPattern: v))
            return v == 0
        case .sint64:
            let v = try Self.integer(value, path: path, in: Int64.min...Int64.max)
            writer.varint(WireWriter.zigzag64(v))
            return v == 0
        case .sfixed64:
            let v = try Self.integer(value, path: path, in: Int64.min...Int64.max)
            writer.fixed64(UInt64(bitPattern: v))
            return v == 0
        case .uint64, .fixed64:
            let v = try Self.unsigned64(value, path: path)
            if field.kind == .uint64 { writer.varint(v) } else { writer.fixed64(v) }
            return v == 0
        case .float:
            let v = Float(try Self.floating(value, path: path))
            writer.fixed32(v.bitPattern)
            return v.bitPattern == 0
        case .double:
            let v = try Self.floating(value, path: path)
            writer.fixed64(v.bitPattern)
            return v.bitPattern == 0
        default:
            throw JSONMappingError(path: path, reason: "a \(field.kind) field cannot hold this value")
        }
    }

    // MARK: JSON values

    private static func integer(_ value: JSONValue, path: String, in range: ClosedRange<Int64>) throws -> Int64 {
        var parsed: Int64?
        switch value {
        case .number(let text), .string(let text):
            parsed = Int64(text) ?? Double(text).flatMap { $0.rounded() == $0 && abs($0) < 9.2e18 ? Int64($0) : nil }
        default: break
        }
        guard let parsed else { throw JSONMappingError(path: path, reason: "expected an integer, got \(value)") }
        guard range.contains(parsed) else { throw JSONMappingError(path: path, reason: "\(parsed) is out of range") }
        return parsed
    }

    private static func unsigned64(_ value: JSONValue, path: String) throws -> UInt64 {
        switch value {
        case .number(let text), .string(let text):
            if let parsed = UInt64(text) { return parsed }
            if let double = Double(text), double >= 0, double.rounded() == double, double < 1.8e19 { return UInt64(double) }
        default: break
        }
        throw JSONMappingError(path: path, reason: "expected an unsigned integer, got \(value)")
    }

    private static func floating(_ value: JSONValue, path: String) throws -> Double {
        switch value {
        case .string("NaN"): return .nan
        case .string("Infinity"): return .infinity
        case .string("-Infinity"): return -.infinity
        case .number(let text), .string(let text):
            if let parsed = Double(text) { return parsed }
        default: break
        }
        throw JSONMappingError(path: path, reason: "expected a number, got \(value)")
    }

    // MARK: Schema helpers

    private static func wireType(_ kind: ProtoField.Kind) -> UInt64 {
        switch kind {
        case .double, .fixed64, .sfixed64: 1
        case .float, .fixed32, .sfixed32: 5
        default: 0
        }
    }

    private static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }
}
