import CProtobufC
#if canImport(Glibc)
import Glibc
#endif

/// What protobuf-c's unpack cannot be trusted with, checked on the wire bytes first:
///
/// - **Depth.** Its unpack recurses; a message type that can contain itself could be sent nested
///   so deep that unpacking overflows the stack. Such types are refused past `nestingLimit` levels
///   (protobuf's own default recursion limit is 100).
/// - **NUL in strings.** It stores a `string` NUL-terminated, so `"user-1\0attacker"` would arrive
///   as `"user-1"`: a silent truncation an attacker can aim. A string field holding a NUL byte is
///   refused, naming the field. If a message up to `prefilterLimit` bytes has no zero byte at all
///   (one `memchr`), no string can hold one and the walk is skipped. A larger one is walked
///   without that scan: the walk steps over every length-delimited field but its strings, while
///   the scan would read them all (a 1 MiB `bytes` payload cost 4-5 % of a call's CPU in it).
///
/// - **Field number 0**, which protobuf-c lets through in an over-long tag.
///
/// The walk is iterative and reads each byte at most once. Other malformed bytes pass: protobuf-c
/// rejects those itself.
@usableFromInline
enum WireCheck {
    @usableFromInline static let nestingLimit = 100
    /// Up to this size a message is first scanned for any zero byte; above it, walked at once.
    @usableFromInline static let prefilterLimit = 16 << 10

    @usableFromInline
    static func check(_ bytes: UnsafeRawBufferPointer, descriptor: UnsafePointer<ProtobufCMessageDescriptor>,
                      mayNestWithoutBound: Bool, nestingLimit: Int = nestingLimit) throws(ProtobufDecodingError) {
        let mayHoldNUL = bytes.count > prefilterLimit || (bytes.count > 0 && memchr(bytes.baseAddress!, 0, bytes.count) != nil)
        guard mayHoldNUL || mayNestWithoutBound else { return }
        try walk(bytes, descriptor: descriptor, checkStrings: mayHoldNUL, nestingLimit: mayNestWithoutBound ? nestingLimit : Int.max)
    }

    private static func walk(_ bytes: UnsafeRawBufferPointer, descriptor: UnsafePointer<ProtobufCMessageDescriptor>,
                             checkStrings: Bool, nestingLimit: Int) throws(ProtobufDecodingError) {
        var offset = 0
        // Each level: where its bytes end, and its type.
        var levels: [(end: Int, descriptor: UnsafePointer<ProtobufCMessageDescriptor>)] = [(bytes.count, descriptor)]
        func varint() -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while offset < bytes.count && shift < 64 {
                let byte = bytes[offset]
                offset += 1
                value |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
            return nil
        }
        while true {
            while let top = levels.last, offset >= top.end {
                guard offset == top.end else { return }
                levels.removeLast()
                if levels.isEmpty { return }
            }
            guard let key = varint() else { return }
            let fieldNumber = UInt32(truncatingIfNeeded: key >> 3)
            // Field number 0 is never valid. protobuf-c refuses it in a one-byte tag but takes an
            // over-long one (`80 00`) and keeps it as an unknown field that cannot be encoded
            // again (found by fuzzing). Such a tag always ends in a zero byte, so this walk runs.
            guard fieldNumber != 0 else { throw .malformed(messageType: String(cString: descriptor.pointee.name)) }
            switch key & 7 {
            case 0: guard varint() != nil else { return }
            case 1: offset += 8
            case 5: offset += 4
            case 2:
                guard let length = varint(), length <= UInt64(bytes.count - offset) else { return }
                let end = offset + Int(length)
                let type = levels.last!.descriptor
                guard let field = protobuf_c_message_descriptor_get_field(type, fieldNumber) else {
                    offset = end
                    continue
                }
                switch field.pointee.type {
                case PROTOBUF_C_TYPE_MESSAGE:
                    guard let sub = field.pointee.descriptor else { offset = end; continue }
                    if levels.count >= nestingLimit {
                        throw .nestingTooDeep(messageType: String(cString: descriptor.pointee.name), limit: nestingLimit)
                    }
                    levels.append((end, sub.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)))
                case PROTOBUF_C_TYPE_STRING where checkStrings && length > 0:
                    if memchr(bytes.baseAddress! + offset, 0, Int(length)) != nil {
                        throw .stringContainsNUL(messageType: String(cString: type.pointee.name), field: String(cString: field.pointee.name))
                    }
                    offset = end
                default:
                    offset = end
                }
            default:
                return
            }
        }
    }
}
