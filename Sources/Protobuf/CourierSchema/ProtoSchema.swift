import CProtocPlugin

/// The parts of a `.proto` file the generator and the tools need, copied out of the C form of
/// `google.protobuf.FileDescriptorProto` (protoc-c's bindings of descriptor.proto).
public struct ProtoFile: Sendable {
    public var name: String
    public var package: String
    public var dependencies: [String]
    public var syntax: String
    public var messages: [ProtoMessage]
    public var enums: [ProtoEnum]
    public var services: [ProtoService]
}

public struct ProtoMessage: Sendable {
    public var fullName: String
    public var name: String
    /// Sorted by field number: the order of protoc-c's field-descriptor table.
    public var fields: [ProtoField]
    public var oneofNames: [String]
    public var nested: [ProtoMessage]
    public var enums: [ProtoEnum]
    public var isMapEntry: Bool
}

public struct ProtoField: Sendable {
    public enum Kind: Int32, Sendable {
        case double = 1, float, int64, uint64, int32, fixed64, fixed32, bool, string, group, message, bytes,
            uint32, `enum`, sfixed32, sfixed64, sint32, sint64
    }
    public var name: String
    public var number: Int32
    public var kind: Kind
    public var isRepeated: Bool
    /// The fully-qualified type name without its leading dot, for messages and enums.
    public var typeName: String
    public var oneofIndex: Int?
    public var isProto3Optional: Bool
    /// `[packed = false]` on a repeated scalar (proto3 packs them otherwise).
    public var isExplicitlyUnpacked: Bool
    /// The name in protobuf's JSON mapping: the descriptor's json_name, or protoc's default for it
    /// (underscores dropped, the letter after each capitalised).
    public var jsonName: String
}

extension ProtoField.Kind {
    /// Scalars a repeated field may pack into one length-delimited run.
    public var isPackable: Bool {
        switch self {
        case .string, .bytes, .message, .group: false
        default: true
        }
    }
}

public struct ProtoEnum: Sendable {
    public var fullName: String
    public var name: String
    public var values: [(name: String, number: Int32)]
}

public struct ProtoService: Sendable {
    public var fullName: String
    public var name: String
    public var methods: [ProtoMethod]
}

public struct ProtoMethod: Sendable {
    public var name: String
    public var inputType: String
    public var outputType: String
    public var clientStreaming: Bool
    public var serverStreaming: Bool
}

// MARK: Reading protoc's C descriptors

public func string(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
    pointer.map { String(cString: $0) } ?? ""
}

public func array<T>(_ count: Int, _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<T>?>?) -> [UnsafeMutablePointer<T>] {
    guard count > 0, let pointer else { return [] }
    return (0..<count).compactMap { pointer[$0] }
}

public func qualify(_ scope: String, _ name: String) -> String { scope.isEmpty ? name : scope + "." + name }

extension ProtoFile {
    public init(_ file: UnsafeMutablePointer<Google__Protobuf__FileDescriptorProto>) {
        let f = file.pointee
        name = string(f.name)
        package = string(f.package)
        syntax = string(f.syntax)
        dependencies = (0..<f.n_dependency).map { string(f.dependency[$0]) }
        messages = array(f.n_message_type, f.message_type).map { ProtoMessage($0, scope: string(f.package)) }
        enums = array(f.n_enum_type, f.enum_type).map { ProtoEnum($0, scope: string(f.package)) }
        services = array(f.n_service, f.service).map { ProtoService($0, scope: string(f.package)) }
    }
}

extension ProtoMessage {
    public init(_ message: UnsafeMutablePointer<Google__Protobuf__DescriptorProto>, scope: String) {
        let m = message.pointee
        name = string(m.name)
        fullName = qualify(scope, name)
        fields = array(m.n_field, m.field).map(ProtoField.init).sorted { $0.number < $1.number }
        oneofNames = array(m.n_oneof_decl, m.oneof_decl).map { string($0.pointee.name) }
        nested = array(m.n_nested_type, m.nested_type).map { ProtoMessage($0, scope: qualify(scope, string(m.name))) }
        enums = array(m.n_enum_type, m.enum_type).map { ProtoEnum($0, scope: qualify(scope, string(m.name))) }
        isMapEntry = m.options.map { $0.pointee.has_map_entry != 0 && $0.pointee.map_entry != 0 } ?? false
    }
}

extension ProtoField {
    public init(_ field: UnsafeMutablePointer<Google__Protobuf__FieldDescriptorProto>) {
        let f = field.pointee
        name = string(f.name)
        number = f.number
        kind = Kind(rawValue: Int32(f.type.rawValue)) ?? .group
        isRepeated = f.label.rawValue == 3  // LABEL_REPEATED
        typeName = String(string(f.type_name).drop(while: { $0 == "." }))
        oneofIndex = f.has_oneof_index != 0 ? Int(f.oneof_index) : nil
        isProto3Optional = f.has_proto3_optional != 0 && f.proto3_optional != 0
        isExplicitlyUnpacked = f.options.map { $0.pointee.has_packed != 0 && $0.pointee.packed == 0 } ?? false
        let declared = string(f.json_name)
        jsonName = declared.isEmpty ? Self.defaultJSONName(name) : declared
    }
}

extension ProtoField {
    static func defaultJSONName(_ name: String) -> String {
        var result = ""
        var capitalizeNext = false
        for character in name {
            if character == "_" { capitalizeNext = true; continue }
            result.append(capitalizeNext ? Character(character.uppercased()) : character)
            capitalizeNext = false
        }
        return result
    }
}

extension ProtoEnum {
    public init(_ e: UnsafeMutablePointer<Google__Protobuf__EnumDescriptorProto>, scope: String) {
        name = string(e.pointee.name)
        fullName = qualify(scope, name)
        values = array(e.pointee.n_value, e.pointee.value).map { (string($0.pointee.name), $0.pointee.number) }
    }
}

extension ProtoService {
    public init(_ s: UnsafeMutablePointer<Google__Protobuf__ServiceDescriptorProto>, scope: String) {
        name = string(s.pointee.name)
        fullName = qualify(scope, name)
        methods = array(s.pointee.n_method, s.pointee.method).map { m in
            ProtoMethod(
                name: string(m.pointee.name),
                inputType: String(string(m.pointee.input_type).drop(while: { $0 == "." })),
                outputType: String(string(m.pointee.output_type).drop(while: { $0 == "." })),
                clientStreaming: m.pointee.client_streaming != 0,
                serverStreaming: m.pointee.server_streaming != 0)
        }
    }
}
