import CourierSchema
/// How one field reads, writes and defaults in generated Swift.
struct FieldCode {
    let field: ProtoField
    /// Index in protoc-c's field-descriptor table.
    let index: Int
    let symbols: SymbolTable

    var propertyName: String { Naming.escaped(Naming.lowerCamel(field.name)) }

    var mapEntry: ProtoMessage? {
        guard field.isRepeated, field.kind == .message, let m = symbols.messages[field.typeName], m.isMapEntry else { return nil }
        return m
    }

    /// The Swift type of one value of this field (ignoring `repeated`).
    var elementType: String {
        switch field.kind {
        case .double: return "Double"
        case .float: return "Float"
        case .int64, .sint64, .sfixed64: return "Int64"
        case .uint64, .fixed64: return "UInt64"
        case .int32, .sint32, .sfixed32: return "Int32"
        case .uint32, .fixed32: return "UInt32"
        case .bool: return "Bool"
        case .string: return "String"
        case .bytes: return "[UInt8]"
        case .message, .enum: return symbols.swiftName(field.typeName)
        case .group: fatalError("courier-protoc-gen: groups are not supported (\(field.name))")
        }
    }

    var swiftType: String {
        if let entry = mapEntry {
            let key = FieldCode(field: entry.fields[0], index: 0, symbols: symbols)
            let value = FieldCode(field: entry.fields[1], index: 1, symbols: symbols)
            return "[\(key.elementType): \(value.elementType)]"
        }
        if field.isRepeated { return "[\(elementType)]" }
        if field.kind == .message { return elementType + "?" }
        return elementType
    }

    var defaultValue: String {
        if mapEntry != nil { return "[:]" }
        if field.isRepeated { return "[]" }
        switch field.kind {
        case .message: return "nil"
        case .string: return "\"\""
        case .bytes: return "[]"
        case .bool: return "false"
        case .enum: return ".init()"
        default: return "0"
        }
    }

    var isFixedScalar: Bool {
        switch field.kind {
        case .double, .float, .int64, .sint64, .sfixed64, .uint64, .fixed64, .int32, .sint32, .sfixed32, .uint32, .fixed32:
            return true
        default: return false
        }
    }

    /// An expression reading one singular value from reader `r`.
    func readSingular(_ r: String) -> String {
        switch field.kind {
        case .bool: return "\(r).bool(\(index))"
        case .string: return "try \(r).string(\(index))"
        case .bytes: return "\(r).bytes(\(index))"
        case .enum: return "\(elementType)(rawValue: \(r).enumValue(\(index)))"
        case .message: return "try \(r).message(\(index), as: \(elementType).self)"
        default: return "\(r).scalar(\(index), as: \(elementType).self)"
        }
    }

    /// An expression reading the whole repeated field from reader `r`.
    func readRepeated(_ r: String) -> String {
        switch field.kind {
        case .bool: return "\(r).repeatedBool(\(index))"
        case .string: return "try \(r).repeatedString(\(index))"
        case .bytes: return "\(r).repeatedBytes(\(index))"
        case .enum: return "\(r).repeatedEnumValues(\(index)).map(\(elementType).init(rawValue:))"
        case .message: return "try \(r).repeatedMessage(\(index), as: \(elementType).self)"
        default: return "\(r).repeatedScalar(\(index), as: \(elementType).self)"
        }
    }

    /// A statement writing `value` (one singular value) with writer `w`. `inOneof` forces an
    /// empty string to be stored: protobuf-c skips a oneof string whose pointer is NULL.
    func writeSingular(_ w: String, _ value: String, inOneof: Bool = false) -> String {
        switch field.kind {
        case .bool: return "\(w).setBool(\(index), \(value))"
        case .string: return "try \(w).setString(\(index), \(value)\(inOneof ? ", evenIfEmpty: true" : ""))"
        case .bytes: return "\(w).setBytes(\(index), \(value))"
        case .enum: return "\(w).setEnumValue(\(index), \(value).rawValue)"
        case .message: return "try \(w).setMessage(\(index), \(value))"
        default: return "\(w).setScalar(\(index), \(value))"
        }
    }

    func writeRepeated(_ w: String, _ value: String) -> String {
        switch field.kind {
        case .bool: return "\(w).setRepeatedBool(\(index), \(value))"
        case .string: return "try \(w).setRepeatedString(\(index), \(value))"
        case .bytes: return "\(w).setRepeatedBytes(\(index), \(value))"
        case .enum: return "\(w).setRepeatedEnumValues(\(index), \(value).map(\\.rawValue))"
        case .message: return "try \(w).setRepeatedMessage(\(index), \(value))"
        default: return "\(w).setRepeatedScalar(\(index), \(value))"
        }
    }
}
