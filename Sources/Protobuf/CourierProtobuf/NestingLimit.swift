import CProtobufC

/// Guards protobuf-c's recursive unpack: a message type whose schema lets it nest without bound
/// (a message that can contain itself) could otherwise be sent nested so deep that unpacking
/// overflows the stack. Before unpacking such a type, its wire bytes are walked iteratively and
/// rejected past `limit` levels (protobuf's own default recursion limit is 100).
@usableFromInline
enum NestingLimit {
    @usableFromInline static let limit = 100

    /// Whether `bytes` nest sub-messages deeper than `limit`. Malformed bytes answer false:
    /// protobuf-c rejects them itself.
    @usableFromInline static func exceeded(_ bytes: UnsafeRawBufferPointer, descriptor: UnsafePointer<ProtobufCMessageDescriptor>, limit: Int = limit) -> Bool {
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
                guard offset == top.end else { return false }
                levels.removeLast()
                if levels.isEmpty { return false }
            }
            guard let key = varint() else { return false }
            let fieldNumber = UInt32(truncatingIfNeeded: key >> 3)
            switch key & 7 {
            case 0: guard varint() != nil else { return false }
            case 1: offset += 8
            case 5: offset += 4
            case 2:
                guard let length = varint(), length <= UInt64(bytes.count - offset) else { return false }
                let end = offset + Int(length)
                let field = protobuf_c_message_descriptor_get_field(levels.last!.descriptor, fieldNumber)
                if let field, field.pointee.type == PROTOBUF_C_TYPE_MESSAGE, let sub = field.pointee.descriptor {
                    if levels.count >= limit { return true }
                    levels.append((end, sub.assumingMemoryBound(to: ProtobufCMessageDescriptor.self)))
                } else {
                    offset = end
                }
            default:
                return false
            }
        }
    }
}
