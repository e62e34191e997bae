/// gRPC's interop tools take `--name value` or `--name=value`; this reads them.
public struct InteropArguments {
    private var values: [String: String] = [:]
    private var used: Set<String> = []
    private var stray: [String] = []

    public init(_ arguments: some Sequence<String>) {
        var pending: String?
        for argument in arguments {
            if argument.hasPrefix("--") {
                if let name = pending { values[name] = "true" }
                let body = argument.dropFirst(2)
                if let equals = body.firstIndex(of: "=") {
                    values[String(body[..<equals])] = String(body[body.index(after: equals)...])
                    pending = nil
                } else {
                    pending = String(body)
                }
            } else if let name = pending {
                values[name] = argument
                pending = nil
            } else {
                stray.append(argument)
            }
        }
        if let name = pending { values[name] = "true" }
    }

    public mutating func string(_ name: String) -> String? {
        used.insert(name)
        return values[name]
    }

    public mutating func int(_ name: String) -> Int? { string(name).flatMap(Int.init) }

    /// A description of arguments nobody asked for, if any.
    public func unknown() -> String? {
        let unknown = values.keys.filter { !used.contains($0) }.sorted().map { "--" + $0 } + stray
        return unknown.isEmpty ? nil : "unknown argument(s): " + unknown.joined(separator: " ")
    }
}
