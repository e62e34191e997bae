import CourierSchema
/// Emits a Swift enum for a protobuf enum, keeping values it does not know as `.unrecognized`.
struct EnumGenerator {
    let protoEnum: ProtoEnum

    func emit(into w: inout CodeWriter, typeName: String) {
        let cases = protoEnum.values.map { (name: Naming.enumCase($0.name, enumName: protoEnum.name), number: $0.number) }
        // Aliases (allow_alias) share a number: the first name is the case, later ones are aliases.
        var seen = Set<Int32>()
        let primary = cases.filter { seen.insert($0.number).inserted }
        let aliases = cases.filter { c in !primary.contains { $0.name == c.name } }
        w.line("/// `\(protoEnum.fullName)`")
        w.block("public enum \(typeName): ProtobufEnum, CaseIterable") { w in
            for c in primary { w.line("case \(c.name)  // \(c.number)") }
            w.line("/// A value this build's schema does not know.")
            w.line("case unrecognized(Int32)")
            w.line()
            w.line("public init() { self = .\(primary.first?.name ?? "unrecognized(0)") }")
            w.line()
            w.block("public init(rawValue: Int32)") { w in
                w.block("switch rawValue") { w in
                    for c in primary { w.line("case \(c.number): self = .\(c.name)") }
                    w.line("default: self = .unrecognized(rawValue)")
                }
            }
            w.line()
            w.block("public var rawValue: Int32") { w in
                w.block("switch self") { w in
                    for c in primary { w.line("case .\(c.name): return \(c.number)") }
                    w.line("case .unrecognized(let value): return value")
                }
            }
            w.line()
            w.line("public static let allCases: [\(typeName)] = [\(primary.map { "." + $0.name }.joined(separator: ", "))]")
            for alias in aliases {
                let target = primary.first { $0.number == alias.number }!
                w.line("public static let \(alias.name): \(typeName) = .\(target.name)")
            }
        }
    }
}
