import CourierSchema
/// Every message and enum protoc sent, by fully-qualified proto name, so fields can name their
/// Swift types and the generator can see which messages contain themselves.
struct SymbolTable {
    private(set) var swiftNames: [String: String] = [:]
    private(set) var messages: [String: ProtoMessage] = [:]
    private(set) var enumNames: Set<String> = []

    init(files: [ProtoFile]) {
        for file in files {
            let prefix = Naming.packagePrefix(file.package)
            for message in file.messages { add(message, swiftName: prefix + message.name) }
            for e in file.enums { addEnum(e, swiftName: prefix + e.name) }
        }
    }

    private mutating func add(_ message: ProtoMessage, swiftName: String) {
        swiftNames[message.fullName] = swiftName
        messages[message.fullName] = message
        for nested in message.nested { add(nested, swiftName: swiftName + "." + nested.name) }
        for e in message.enums { addEnum(e, swiftName: swiftName + "." + e.name) }
    }

    private mutating func addEnum(_ e: ProtoEnum, swiftName: String) {
        swiftNames[e.fullName] = swiftName
        enumNames.insert(e.fullName)
    }

    func swiftName(_ fullName: String) -> String {
        guard let name = swiftNames[fullName] else { fatalError("courier-protoc-gen: unknown type \(fullName)") }
        return name
    }

    /// Whether nesting is unbounded from `start`: some message reachable from it (through any
    /// message field, repeated and map values included) can contain itself.
    func mayNestWithoutBound(_ start: String) -> Bool {
        reachableMessages(from: start, through: { _ in true }).contains { message in
            messages[message]?.fields.contains { $0.kind == .message && reaches(message, from: $0.typeName, singularOnly: false) } ?? false
        }
    }

    /// Whether a field of message type `start` can lead back to `target`. With `singularOnly`
    /// (the default), only through singular message fields: such a field must be boxed, or the
    /// Swift struct would contain itself (repeated fields live in an array, on the heap).
    func reaches(_ target: String, from start: String, singularOnly: Bool = true) -> Bool {
        reachableMessages(from: start, through: { !singularOnly || !$0.isRepeated }).contains(target)
    }

    /// `start` and every message reachable from it through message fields that pass `follow`.
    private func reachableMessages(from start: String, through follow: (ProtoField) -> Bool) -> Set<String> {
        var seen: Set<String> = []
        var stack = [start]
        while let name = stack.popLast() {
            guard seen.insert(name).inserted, let message = messages[name] else { continue }
            for field in message.fields where field.kind == .message && follow(field) {
                stack.append(field.typeName)
            }
        }
        return seen
    }
}
