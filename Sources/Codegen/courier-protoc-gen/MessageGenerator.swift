import CourierSchema
/// Emits a Swift struct for a message (and, inside it, its nested messages and enums).
struct MessageGenerator {
    let message: ProtoMessage
    let swiftName: String
    let symbols: SymbolTable

    private var fields: [FieldCode] {
        message.fields.enumerated().map { FieldCode(field: $1, index: $0, symbols: symbols) }
    }

    private var plainFields: [FieldCode] { fields.filter { $0.field.oneofIndex == nil } }

    /// Oneofs in declaration order, each with its members.
    private var oneofs: [(name: String, members: [FieldCode])] {
        message.oneofNames.enumerated().compactMap { i, name in
            let members = fields.filter { $0.field.oneofIndex == i }
            return members.isEmpty ? nil : (name, members)
        }
    }

    private func isBoxed(_ f: FieldCode) -> Bool {
        f.field.kind == .message && !f.field.isRepeated && symbols.reaches(message.fullName, from: f.field.typeName)
    }

    private func oneofTypeName(_ name: String) -> String { "OneOf_" + Naming.upperFirst(Naming.lowerCamel(name)) }

    func emit(into w: inout CodeWriter, typeName: String) {
        w.line("/// `\(message.fullName)`")
        w.block("public struct \(typeName): ProtobufMessage") { w in
            emitProperties(&w)
            w.line("/// Fields received that this schema does not know; re-encoded unchanged.")
            w.line("public var unknownFields: [ProtobufUnknownField] = []")
            w.line()
            w.line("public init() {}")
            w.line()
            w.line("public static let protoMessageName = \"\(message.fullName)\"")
            if symbols.mayNestWithoutBound(message.fullName) {
                w.line("/// This message can contain itself: decoding checks the nesting depth first.")
                w.line("public static var mayNestWithoutBound: Bool { true }")
            }
            w.line()
            w.block("public static var cDescriptor: UnsafePointer<ProtobufCMessageDescriptor>") { w in
                w.line("courier_descriptor__\(Naming.cLowerName(message.fullName))()")
            }
            w.line()
            emitRead(&w)
            w.line()
            emitWrite(&w)
            for oneof in oneofs {
                w.line()
                emitOneofEnum(&w, oneof.name, oneof.members)
            }
            for e in message.enums {
                w.line()
                EnumGenerator(protoEnum: e).emit(into: &w, typeName: e.name)
            }
            for nested in message.nested where !nested.isMapEntry {
                w.line()
                MessageGenerator(message: nested, swiftName: swiftName + "." + nested.name, symbols: symbols)
                    .emit(into: &w, typeName: nested.name)
            }
        }
    }

    private func emitProperties(_ w: inout CodeWriter) {
        for f in plainFields {
            if isBoxed(f) {
                let storage = "_" + Naming.lowerCamel(f.field.name)
                w.line("public var \(f.propertyName): \(f.swiftType) {")
                w.line("    get { \(storage)?.value }")
                w.line("    set { \(storage) = newValue.map(ProtobufBox.init) }")
                w.line("}")
                w.line("private var \(storage): ProtobufBox<\(f.elementType)>? = nil")
            } else {
                w.line("public var \(f.propertyName): \(f.swiftType) = \(f.defaultValue)")
            }
        }
        for oneof in oneofs {
            w.line("public var \(Naming.escaped(Naming.lowerCamel(oneof.name))): \(oneofTypeName(oneof.name))? = nil")
        }
    }

    private func emitRead(_ w: inout CodeWriter) {
        w.block("public init(reading r: CMessageReader) throws(ProtobufDecodingError)") { w in
            for f in plainFields {
                if let entry = f.mapEntry {
                    let key = FieldCode(field: entry.fields[0], index: 0, symbols: symbols)
                    let value = FieldCode(field: entry.fields[1], index: 1, symbols: symbols)
                    var readValue = value.readSingular("entry")
                    if value.field.kind == .message { readValue = "(\(readValue)) ?? \(value.elementType)()" }
                    w.block("for entry in r.mapEntries(\(f.index))") { w in
                        w.line("self.\(f.propertyName)[\(key.readSingular("entry"))] = \(readValue)")
                    }
                } else if f.field.isRepeated {
                    w.line("self.\(f.propertyName) = \(f.readRepeated("r"))")
                } else {
                    w.line("self.\(f.propertyName) = \(f.readSingular("r"))")
                }
            }
            for oneof in oneofs {
                let property = Naming.escaped(Naming.lowerCamel(oneof.name))
                w.block("switch r.oneofCase(\(oneof.members[0].index))") { w in
                    for m in oneof.members {
                        var read = m.readSingular("r")
                        if m.field.kind == .message { read = "(\(read)) ?? \(m.elementType)()" }
                        w.line("case \(m.field.number): self.\(property) = .\(m.propertyName)(\(read))")
                    }
                    w.line("default: self.\(property) = nil")
                }
            }
            w.line("self.unknownFields = r.unknownFields()")
        }
    }

    private func emitWrite(_ w: inout CodeWriter) {
        w.block("public func write(to w: CMessageWriter) throws(ProtobufEncodingError)") { w in
            for f in plainFields {
                if let entry = f.mapEntry {
                    let key = FieldCode(field: entry.fields[0], index: 0, symbols: symbols)
                    let value = FieldCode(field: entry.fields[1], index: 1, symbols: symbols)
                    let order = key.field.kind == .bool ? "{ !$0.key && $1.key }" : "{ $0.key < $1.key }"
                    w.line("// Sorted by key, so that equal maps encode to equal bytes.")
                    w.block("try w.setMapEntries(\(f.index), \(f.propertyName).sorted(by: \(order))) { (entry, e) throws(ProtobufEncodingError) in") { w in
                        w.line(key.writeSingular("e", "entry.key"))
                        w.line(value.writeSingular("e", "entry.value"))
                    }
                } else if f.field.isRepeated {
                    w.line(f.writeRepeated("w", f.propertyName))
                } else {
                    w.line(f.writeSingular("w", f.propertyName))
                }
            }
            for oneof in oneofs {
                let property = Naming.escaped(Naming.lowerCamel(oneof.name))
                w.block("switch \(property)") { w in
                    for m in oneof.members {
                        w.line("case .\(m.propertyName)(let value)?:")
                        w.line("    w.setOneofCase(\(m.index), \(m.field.number))")
                        w.line("    " + m.writeSingular("w", "value", inOneof: true))
                    }
                    w.line("case nil: break")
                }
            }
            w.line("w.setUnknownFields(unknownFields)")
        }
    }

    private func emitOneofEnum(_ w: inout CodeWriter, _ name: String, _ members: [FieldCode]) {
        w.line("/// The `\(name)` oneof: at most one of these is set.")
        w.block("public enum \(oneofTypeName(name)): Sendable, Equatable") { w in
            for m in members {
                let indirect = m.field.kind == .message && symbols.reaches(message.fullName, from: m.field.typeName)
                w.line("\(indirect ? "indirect " : "")case \(m.propertyName)(\(m.elementType))")
            }
        }
    }
}
