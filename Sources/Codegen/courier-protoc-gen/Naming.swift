/// Naming rules: Swift names for generated types and members, and the C names protoc-c gives
/// (which the accessor headers must match exactly).
enum Naming {
    static let swiftKeywords: Set<String> = [
        "associatedtype", "class", "deinit", "enum", "extension", "fileprivate", "func", "import", "init",
        "inout", "internal", "let", "open", "operator", "private", "precedencegroup", "protocol", "public",
        "rethrows", "static", "struct", "subscript", "typealias", "var", "break", "case", "catch", "continue",
        "default", "defer", "do", "else", "fallthrough", "for", "guard", "if", "in", "repeat", "return",
        "throw", "switch", "where", "while", "Any", "as", "await", "false", "is", "nil", "self", "Self",
        "super", "throws", "true", "try", "Type", "Protocol",
    ]

    /// C keywords: protoc-c names service-struct members after methods in lower case, so a method
    /// whose lower-case name is one of these breaks the C build.
    static let cKeywords: Set<String> = [
        "auto", "break", "case", "char", "const", "continue", "default", "do", "double", "else", "enum",
        "extern", "float", "for", "goto", "if", "inline", "int", "long", "register", "restrict", "return",
        "short", "signed", "sizeof", "static", "struct", "switch", "typedef", "union", "unsigned", "void",
        "volatile", "while", "_Bool", "_Complex", "_Imaginary",
    ]

    static func escaped(_ name: String) -> String { swiftKeywords.contains(name) ? "`\(name)`" : name }

    /// `response_size` → `responseSize`; `EmptyCall` → `emptyCall`.
    static func lowerCamel(_ name: String) -> String {
        let parts = name.split(separator: "_", omittingEmptySubsequences: true)
        guard let first = parts.first else { return name }
        var result = lowerFirst(String(first))
        for part in parts.dropFirst() { result += upperFirst(String(part)) }
        return result
    }

    /// `grpc.reflection.v1alpha` → `Grpc_Reflection_V1alpha`.
    static func packagePrefix(_ package: String) -> String {
        guard !package.isEmpty else { return "" }
        return package.split(separator: ".").map { part in
            part.split(separator: "_").map { upperFirst(String($0)) }.joined()
        }.joined(separator: "_") + "_"
    }

    static func upperFirst(_ s: String) -> String { s.prefix(1).uppercased() + s.dropFirst() }
    static func lowerFirst(_ s: String) -> String { s.prefix(1).lowercased() + s.dropFirst() }

    /// protoc-c's CamelToLower: `_` before an upper-case letter that follows a non-upper one.
    static func cCamelToLower(_ name: String) -> String {
        var result = ""
        var wasUpper = true
        for c in name {
            let isUpper = c.isASCII && c.isUppercase
            if isUpper && !wasUpper { result.append("_") }
            result.append(isUpper ? Character(c.lowercased()) : c)
            wasUpper = isUpper
        }
        return result
    }

    /// protoc-c's CamelToUpper.
    static func cCamelToUpper(_ name: String) -> String { cCamelToLower(name).uppercased() }

    /// protoc-c's FullNameToLower: `grpc.testing.SimpleRequest` → `grpc__testing__simple_request`.
    static func cLowerName(_ fullName: String) -> String {
        fullName.split(separator: ".").map { cCamelToLower(String($0)) }.joined(separator: "__")
    }

    /// Swift case name for an enum value: the enum's own prefix dropped, then lowerCamelCase
    /// (`GRPCLB_ROUTE_TYPE_FALLBACK` in `GrpclbRouteType` → `fallback`).
    static func enumCase(_ value: String, enumName: String) -> String {
        let prefix = cCamelToUpper(enumName) + "_"
        var name = value
        if value.hasPrefix(prefix), let next = value.dropFirst(prefix.count).first, !next.isNumber {
            name = String(value.dropFirst(prefix.count))
        }
        var result = lowerCamel(name.lowercased())
        if result == "unrecognized" { result += "_" }
        return escaped(result)
    }
}
