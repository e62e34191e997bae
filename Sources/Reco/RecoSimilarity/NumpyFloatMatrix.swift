import RecoCore
import Foundation

/// Reads and writes 2-D float32 arrays in NumPy's `.npy` format (version 1.0/2.0, C order,
/// little-endian `<f4`): the format a batch job writes with `numpy.save`, so embeddings move
/// between Python and Courier without a converter.
public enum NumpyFloatMatrix {
    public struct FormatError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Returns (rows, columns, values in row-major order).
    public static func read(path: String) throws -> (rows: Int, columns: Int, values: [Float]) {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let bytes = [UInt8](data)
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw FormatError(description: "\(path): not a .npy file") }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1: headerLength = Int(bytes[8]) | Int(bytes[9]) << 8; headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw FormatError(description: "\(path): truncated header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default: throw FormatError(description: "\(path): unsupported .npy version \(major)")
        }
        guard headerStart + headerLength <= bytes.count,
              let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: .utf8)
        else { throw FormatError(description: "\(path): truncated header") }
        let compact = header.filter { !$0.isWhitespace }
        guard compact.contains("'descr':'<f4'") else {
            throw FormatError(description: "\(path): expected float32 little-endian ('<f4'), header \(header)")
        }
        guard compact.contains("'fortran_order':False") else { throw FormatError(description: "\(path): expected C order") }
        guard let shapeStart = compact.range(of: "'shape':("), let shapeEnd = compact[shapeStart.upperBound...].firstIndex(of: ")") else {
            throw FormatError(description: "\(path): no shape in header")
        }
        // The shape is the file's claim; the file's size is the truth. Bounded before any
        // arithmetic, so a hostile header cannot overflow or ask for memory the file lacks.
        let dims = compact[shapeStart.upperBound..<shapeEnd].split(separator: ",").map { Int($0) }
        guard dims.count == 2, let rows = dims[0], let columns = dims[1], rows >= 0, columns >= 0 else {
            throw FormatError(description: "\(path): expected a 2-D shape of non-negative integers, header \(header)")
        }
        let start = headerStart + headerLength
        let dataBytes = bytes.count - start
        let (cells, cellsOverflow) = rows.multipliedReportingOverflow(by: columns)
        let (expected, bytesOverflow) = cells.multipliedReportingOverflow(by: 4)
        guard !cellsOverflow, !bytesOverflow, expected == dataBytes else {
            throw FormatError(description: "\(path): shape (\(rows), \(columns)) needs \(cellsOverflow || bytesOverflow ? "more than Int.max" : "\(expected)") bytes of data, the file has \(dataBytes)")
        }
        var values = [Float](repeating: 0, count: rows * columns)
        values.withUnsafeMutableBytes { target in
            bytes.withUnsafeBytes { source in
                target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[start...]))
            }
        }
        #if _endian(big)
        values = values.map { Float(bitPattern: UInt32(littleEndian: $0.bitPattern)) }
        #endif
        return (rows, columns, values)
    }

    /// Writes a version 1.0 `.npy` file.
    public static func write(path: String, rows: Int, columns: Int, values: [Float]) throws {
        precondition(values.count == rows * columns)
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), \(columns)), }"
        // The data starts on a 64-byte boundary; the header ends with a newline.
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0]
        bytes.append(UInt8(header.utf8.count & 0xFF))
        bytes.append(UInt8(header.utf8.count >> 8))
        bytes += Array(header.utf8)
        values.withUnsafeBytes { bytes += $0 }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }
}
