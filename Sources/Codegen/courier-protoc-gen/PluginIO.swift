import CProtobufC
import CProtocPlugin

#if canImport(Glibc)
import Glibc
#endif

/// protoc's plugin protocol: a `CodeGeneratorRequest` on stdin, a `CodeGeneratorResponse` on stdout.
enum PluginIO {
    static func readStandardInput() -> [UInt8] {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = read(0, &buffer, buffer.count)
            if n <= 0 { break }
            bytes.append(contentsOf: buffer[0..<n])
        }
        return bytes
    }

    /// Runs `generate` on the unpacked request; frees the request when it returns.
    static func withRequest<R>(_ bytes: [UInt8], _ generate: (UnsafeMutablePointer<Google__Protobuf__Compiler__CodeGeneratorRequest>) -> R) -> R? {
        guard let request = bytes.withUnsafeBufferPointer({
            google__protobuf__compiler__code_generator_request__unpack(nil, $0.count, $0.baseAddress)
        }) else { return nil }
        defer { google__protobuf__compiler__code_generator_request__free_unpacked(request, nil) }
        return generate(request)
    }

    /// Packs a file descriptor without its source info (comments and spans), as reflection serves it.
    static func serializedWithoutSourceInfo(_ file: UnsafeMutablePointer<Google__Protobuf__FileDescriptorProto>) -> [UInt8] {
        let sourceInfo = file.pointee.source_code_info
        file.pointee.source_code_info = nil
        defer { file.pointee.source_code_info = sourceInfo }
        let size = google__protobuf__file_descriptor_proto__get_packed_size(file)
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
            count = google__protobuf__file_descriptor_proto__pack(file, buffer.baseAddress)
        }
    }

    /// Writes the response: either files, or an error protoc prints.
    static func writeResponse(files: [(name: String, content: String)], error: String?) {
        var owned: [UnsafeMutablePointer<CChar>] = []
        defer { owned.forEach { free($0) } }
        func c(_ s: String) -> UnsafeMutablePointer<CChar> {
            let p = strdup(s)!
            owned.append(p)
            return p
        }
        var cFiles = files.map { file -> Google__Protobuf__Compiler__CodeGeneratorResponse__File in
            var f = Google__Protobuf__Compiler__CodeGeneratorResponse__File()
            google__protobuf__compiler__code_generator_response__file__init(&f)
            f.name = c(file.name)
            f.content = c(file.content)
            return f
        }
        cFiles.withUnsafeMutableBufferPointer { filesBuffer in
            var pointers: [UnsafeMutablePointer<Google__Protobuf__Compiler__CodeGeneratorResponse__File>?] =
                (0..<filesBuffer.count).map { filesBuffer.baseAddress! + $0 }
            pointers.withUnsafeMutableBufferPointer { pointerBuffer in
                var response = Google__Protobuf__Compiler__CodeGeneratorResponse()
                google__protobuf__compiler__code_generator_response__init(&response)
                response.n_file = pointerBuffer.count
                response.file = pointerBuffer.baseAddress
                if let error { response.error = c(error) }
                let size = google__protobuf__compiler__code_generator_response__get_packed_size(&response)
                var out = [UInt8](repeating: 0, count: size)
                _ = google__protobuf__compiler__code_generator_response__pack(&response, &out)
                var written = 0
                while written < out.count {
                    let n = out[written...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
                    if n <= 0 { break }
                    written += n
                }
            }
        }
    }
}
