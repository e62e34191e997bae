import Foundation

/// The JSON both modes print with `--json`: sorted keys, snake_case, indented.
enum JSONOutput {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// "DEADLINE_EXCEEDED 3, UNAVAILABLE 1", or "none".
    static func errors(_ errors: [String: Int]) -> String {
        errors.isEmpty ? "none" : errors.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }
}
