import CProtocPlugin

/// The parts of a `.proto` file the generator needs, copied out of protoc's C descriptors.
struct ProtoFile {
    var name: String
    var package: String
    var dependencies: [String]
    var syntax: String
    var messages: [ProtoMessage]
    var enums: [ProtoEnum]
    var services: [ProtoService]
}

struct ProtoMessage {
    var fullName: String
    var name: String
    /// Sorted by field number: the order of protoc-c's field-descriptor table.
    var fields: [ProtoField]
    var oneofNames: [String]
    var nested: [ProtoMessage]
    var enums: [ProtoEnum]
    var isMapEntry: Bool
}

struct ProtoField {
    enum Kind: Int32 {
        case double = 1, float, int64, uint64, int32, fixed64, fixed32, bool, string, group, message, bytes,
            uint32, `enum`, sfixed32, sfixed64, sint32, sint64
    }
    var name: String
    var number: Int32
    var kind: Kind
    var isRepeated: Bool
    /// The fully-qualified type name without its leading dot, for messages and enums.
    var typeName: String
    var oneofIndex: Int?
    var isProto3Optional: Bool
}

struct ProtoEnum {
    var fullName: String
    var name: String
    var values: [(name: String, number: Int32)]
}

struct ProtoService {
    var fullName: String
    var name: String
    var methods: [ProtoMethod]
}

struct ProtoMethod {
    var name: String
    var inputType: String
    var outputType: String
    var clientStreaming: Bool
    var serverStreaming: Bool
}

// MARK: Reading protoc's C descriptors

func string(_ pointer: UnsafeMutablePointer<CChar>?) -> String {
    pointer.map { String(cString: $0) } ?? ""
}

func array<T>(_ count: Int, _ pointer: UnsafeMutablePointer<UnsafeMutablePointer<T>?>?) -> [UnsafeMutablePointer<T>] {
    guard count > 0, let pointer else { return [] }
    return (0..<count).compactMap { pointer[$0] }
}

func qualify(_ scope: String, _ name: String) -> String { scope.isEmpty ? name : scope + "." + name }

extension ProtoFile {
    init(_ file: UnsafeMutablePointer<Google__Protobuf__FileDescriptorProto>) {
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
    init(_ message: UnsafeMutablePointer<Google__Protobuf__DescriptorProto>, scope: String) {
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
    init(_ field: UnsafeMutablePointer<Google__Protobuf__FieldDescriptorProto>) {
        let f = field.pointee
        name = string(f.name)
        number = f.number
        kind = Kind(rawValue: Int32(f.type.rawValue)) ?? .group
        isRepeated = f.label.rawValue == 3  // LABEL_REPEATED
        typeName = String(string(f.type_name).drop(while: { $0 == "." }))
        oneofIndex = f.has_oneof_index != 0 ? Int(f.oneof_index) : nil
        isProto3Optional = f.has_proto3_optional != 0 && f.proto3_optional != 0
    }
}

extension ProtoEnum {
    init(_ e: UnsafeMutablePointer<Google__Protobuf__EnumDescriptorProto>, scope: String) {
        name = string(e.pointee.name)
        fullName = qualify(scope, name)
        values = array(e.pointee.n_value, e.pointee.value).map { (string($0.pointee.name), $0.pointee.number) }
    }
}

extension ProtoService {
    init(_ s: UnsafeMutablePointer<Google__Protobuf__ServiceDescriptorProto>, scope: String) {
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
