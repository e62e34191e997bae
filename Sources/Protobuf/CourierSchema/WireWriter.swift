/// Protobuf's wire format, written by hand for messages known only from their descriptors.
struct WireWriter {
    private(set) var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func tag(_ number: Int32, wireType: UInt64) { varint(UInt64(number) << 3 | wireType) }

    mutating func fixed32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    mutating func fixed64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }

    mutating func lengthDelimited(_ number: Int32, _ payload: [UInt8]) {
        tag(number, wireType: 2)
        varint(UInt64(payload.count))
        bytes += payload
    }

    mutating func append(_ other: [UInt8]) { bytes += other }

    static func zigzag32(_ value: Int32) -> UInt64 { UInt64(UInt32(bitPattern: (value << 1) ^ (value >> 31))) }
    static func zigzag64(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }
}
