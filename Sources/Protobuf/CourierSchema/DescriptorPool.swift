import CProtobufC
import CProtocPlugin

/// Messages, enums and services by fully-qualified name, from serialized
/// `google.protobuf.FileDescriptorProto`s: the files a server's reflection answers, or those a
/// generated module embeds.
public struct DescriptorPool: Sendable {
    public private(set) var files: [String: ProtoFile] = [:]
    public private(set) var messages: [String: ProtoMessage] = [:]
    public private(set) var enums: [String: ProtoEnum] = [:]
    public private(set) var services: [String: ProtoService] = [:]

    public struct InvalidDescriptor: Error, CustomStringConvertible {
        public let description: String
    }

    public init() {}

    /// Adds one serialized FileDescriptorProto (a file already present is kept as it was).
    public mutating func add(serializedFile bytes: [UInt8]) throws {
        add(try Self.file(serialized: bytes))
    }

    /// Reads a serialized FileDescriptorProto.
    public static func file(serialized bytes: [UInt8]) throws -> ProtoFile {
        let file: ProtoFile? = bytes.withUnsafeBufferPointer { buffer in
            guard let raw = google__protobuf__file_descriptor_proto__unpack(nil, buffer.count, buffer.baseAddress) else { return nil }
            defer { google__protobuf__file_descriptor_proto__free_unpacked(raw, nil) }
            return ProtoFile(raw)
        }
        guard let file else { throw InvalidDescriptor(description: "not a FileDescriptorProto (\(bytes.count) bytes)") }
        return file
    }

    /// Adds every file of a serialized FileDescriptorSet (`protoc --descriptor_set_out=F --include_imports`).
    public mutating func add(serializedFileSet bytes: [UInt8]) throws {
        let files: [ProtoFile]? = bytes.withUnsafeBufferPointer { buffer in
            guard let raw = google__protobuf__file_descriptor_set__unpack(nil, buffer.count, buffer.baseAddress) else { return nil }
            defer { google__protobuf__file_descriptor_set__free_unpacked(raw, nil) }
            return array(raw.pointee.n_file, raw.pointee.file).map(ProtoFile.init)
        }
        guard let files else { throw InvalidDescriptor(description: "not a FileDescriptorSet (\(bytes.count) bytes)") }
        for file in files { add(file) }
    }

    public mutating func add(_ file: ProtoFile) {
        guard files[file.name] == nil else { return }
        files[file.name] = file
        func addMessages(_ list: [ProtoMessage]) {
            for message in list {
                messages[message.fullName] = message
                for nestedEnum in message.enums { enums[nestedEnum.fullName] = nestedEnum }
                addMessages(message.nested)
            }
        }
        addMessages(file.messages)
        for protoEnum in file.enums { enums[protoEnum.fullName] = protoEnum }
        for service in file.services { services[service.fullName] = service }
    }

    /// The service and method of "package.Service/Method" (a leading "/" is fine).
    public func method(_ path: String) -> (service: ProtoService, method: ProtoMethod)? {
        let parts = path.drop { $0 == "/" }.split(separator: "/")
        guard parts.count == 2, let service = services[String(parts[0])],
              let method = service.methods.first(where: { $0.name == parts[1] }) else { return nil }
        return (service, method)
    }
}
