import Foundation

/// Keywords as History stores and compares them: trimmed, runs of whitespace collapsed to one
/// space, Unicode NFC. Korean input arrives both precomposed ("마라탕") and as conjoining jamo
/// from some keyboards; NFC makes them one key.
public enum KeywordNormalizer {
    public static func normalize(_ keyword: String) -> String {
        let composed = keyword.precomposedStringWithCanonicalMapping
        var result = ""
        result.reserveCapacity(composed.utf8.count)
        var pendingSpace = false
        for scalar in composed.unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = !result.isEmpty
                continue
            }
            if pendingSpace { result.unicodeScalars.append(" "); pendingSpace = false }
            result.unicodeScalars.append(scalar)
        }
        return result
    }
}
