import CourierSchema

/// Services, methods, messages and enums written back as .proto text (as `grpcurl describe`
/// shows them), from descriptors.
public enum SchemaDescription {
    /// "NAME is a service:" and its definition; nil when the pool has no such symbol.
    public static func describe(_ symbol: String, in pool: DescriptorPool) -> String? {
        let name = symbol.hasPrefix(".") ? String(symbol.dropFirst()) : symbol
        if let service = pool.services[name] { return "\(name) is a service:\n" + text(of: service) }
        if let message = pool.messages[name] { return "\(name) is a message:\n" + text(of: message, in: pool) }
        if let protoEnum = pool.enums[name] { return "\(name) is an enum:\n" + text(of: protoEnum) }
        if let dot = name.lastIndex(of: "."), let service = pool.services[String(name[..<dot])],
           let method = service.methods.first(where: { $0.name == name[name.index(after: dot)...] }) {
            return "\(name) is a method:\n" + line(of: method) + "\n"
        }
        return nil
    }

    public static func text(of service: ProtoService) -> String {
        "service \(service.name) {\n" + service.methods.map { "  " + line(of: $0) + "\n" }.joined() + "}\n"
    }

    public static func line(of method: ProtoMethod) -> String {
        let input = (method.clientStreaming ? "stream " : "") + "." + method.inputType
        let output = (method.serverStreaming ? "stream " : "") + "." + method.outputType
        return "rpc \(method.name) ( \(input) ) returns ( \(output) );"
    }

    public static func text(of message: ProtoMessage, in pool: DescriptorPool, indent: String = "") -> String {
        var lines = ["\(indent)message \(message.name) {"]
        let inner = indent + "  "
        for nested in message.nested where !nested.isMapEntry {
            lines.append(text(of: nested, in: pool, indent: inner).dropLast().description)
        }
        for nestedEnum in message.enums { lines.append(text(of: nestedEnum, indent: inner).dropLast().description) }
        var writtenOneofs = Set<Int>()
        for field in message.fields {
            if let oneof = field.oneofIndex, !field.isProto3Optional {
                guard writtenOneofs.insert(oneof).inserted else { continue }
                lines.append("\(inner)oneof \(message.oneofNames[oneof]) {")
                for member in message.fields where member.oneofIndex == oneof {
                    lines.append(inner + "  " + declaration(of: member, in: pool))
                }
                lines.append("\(inner)}")
            } else {
                lines.append(inner + declaration(of: field, in: pool))
            }
        }
        lines.append("\(indent)}")
        return lines.joined(separator: "\n") + "\n"
    }

    public static func text(of protoEnum: ProtoEnum, indent: String = "") -> String {
        (["\(indent)enum \(protoEnum.name) {"] + protoEnum.values.map { "\(indent)  \($0.name) = \($0.number);" } + ["\(indent)}"])
            .joined(separator: "\n") + "\n"
    }

    static func declaration(of field: ProtoField, in pool: DescriptorPool) -> String {
        if field.kind == .message, let entry = pool.messages[field.typeName], entry.isMapEntry, entry.fields.count == 2 {
            return "map<\(typeName(of: entry.fields[0])), \(typeName(of: entry.fields[1]))> \(field.name) = \(field.number);"
        }
        let label = field.isRepeated ? "repeated " : field.isProto3Optional ? "optional " : ""
        return "\(label)\(typeName(of: field)) \(field.name) = \(field.number);"
    }

    static func typeName(of field: ProtoField) -> String {
        switch field.kind {
        case .message, .enum, .group: "." + field.typeName
        default: "\(field.kind)"
        }
    }
}
