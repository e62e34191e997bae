import Foundation

/// Bytes given on a command line: hex (whitespace ignored), base64, or a file's contents.
public enum EncodedBytes {
    public struct Invalid: Error, CustomStringConvertible, Sendable {
        public let description: String
    }

    public static func hex(_ text: String) throws -> [UInt8] {
        let digits = Array(text.filter { !$0.isWhitespace && $0 != ":" })
        guard digits.count % 2 == 0 else { throw Invalid(description: "odd number of hex digits") }
        return try stride(from: 0, to: digits.count, by: 2).map { index in
            guard let byte = UInt8(String(digits[index...index + 1]), radix: 16) else {
                throw Invalid(description: "\(String(digits[index...index + 1])) is not hex")
            }
            return byte
        }
    }

    public static func base64(_ text: String) throws -> [UInt8] {
        guard let data = Data(base64Encoded: text.filter { !$0.isWhitespace }) else { throw Invalid(description: "not base64") }
        return [UInt8](data)
    }

    /// A file's bytes; "-" reads standard input to its end. Through a file handle: FileManager's
    /// whole-file read leaks its buffer when the file is empty (FoundationEssentials, Swift 6.3).
    public static func file(_ path: String) throws -> [UInt8] {
        if path == "-" { return [UInt8](FileHandle.standardInput.readDataToEndOfFile()) }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw Invalid(description: "cannot read \(path)") }
        defer { try? handle.close() }
        return [UInt8](handle.readDataToEndOfFile())
    }
}
