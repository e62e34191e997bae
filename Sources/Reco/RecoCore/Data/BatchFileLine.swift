/// One line of a tab-separated batch file, with what an error about it must say: the file, the
/// line number and the field. Every parse of a batch file goes through here, so a bad value is a
/// clear error and never a crash (a `nan` latitude, a `1e300` radius, an id that overflows).
public struct BatchFileLine {
    /// The file the line is from.
    public let path: String
    /// 1-based, as an editor shows it.
    public let number: Int
    /// The line's tab-separated fields.
    public let fields: [Substring]

    init(path: String, number: Int, text: Substring) {
        self.path = path
        self.number = number
        self.fields = text.split(separator: "\t", omittingEmptySubsequences: false)
    }

    /// The error for `field`, naming the file and line.
    public func error(_ field: String, _ reason: String) -> ConfigurationError {
        ConfigurationError("\(path):\(number): \(field): \(reason)")
    }

    public func requireFieldCount(_ count: Int, _ layout: String) throws {
        guard fields.count == count else {
            throw ConfigurationError("\(path):\(number): expected \(count) tab-separated fields (\(layout)), found \(fields.count)")
        }
    }

    /// A positive 64-bit id.
    public func id(_ index: Int, _ field: String) throws -> Int64 {
        guard let id = Int64(fields[index]), id > 0 else {
            throw error(field, "expected a positive integer id, got \"\(fields[index].prefix(40))\"")
        }
        return id
    }

    /// A finite number within `range`.
    public func number(_ index: Int, _ field: String, in range: ClosedRange<Double>) throws -> Double {
        guard let value = Double(fields[index]), value.isFinite, range.contains(value) else {
            throw error(field, "expected a finite number in \(range.lowerBound)...\(range.upperBound), got \"\(fields[index].prefix(40))\"")
        }
        return value
    }

    /// Non-empty text without control characters.
    public func text(_ index: Int, _ field: String) throws -> String {
        let value = fields[index]
        guard !value.isEmpty else { throw error(field, "must not be empty") }
        guard !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw error(field, "contains a control character")
        }
        return String(value)
    }
}

extension String {
    /// The lines of a batch file after its header line, numbered from 2 (the header is line 1);
    /// empty lines are skipped.
    public func batchDataLines(path: String) -> [BatchFileLine] {
        var lines: [BatchFileLine] = []
        for (offset, text) in split(separator: "\n", omittingEmptySubsequences: false).enumerated().dropFirst() where !text.isEmpty {
            lines.append(BatchFileLine(path: path, number: offset + 1, text: text))
        }
        return lines
    }
}
