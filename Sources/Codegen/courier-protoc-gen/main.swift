import CourierSchema
// courier-protoc-gen: protoc plugin writing Courier's Swift bindings.
//
//   protoc --plugin=protoc-gen-courier=PATH --courier_out=DIR [--courier_opt=c_module=NAME,messages_module=NAME] ...
//
// c_module names the C target holding protoc-c's output for the same files (default CourierProtosC);
// messages_module the Swift target of the message types (default CourierMessages). For each file
// to generate it writes `messages/<name>.pb.swift` (enums, messages, the embedded descriptor: on
// the protobuf runtime only), `services/<name>.courier.swift` when the file has services (on
// Courier), and `c/<path>.courier.h` (descriptor accessors). scripts/generate.sh moves them into
// Sources/Generated.

let input = PluginIO.readStandardInput()
let outcome: Result<[(name: String, content: String)], GeneratorError>? = PluginIO.withRequest(input) { request in
    let r = request.pointee
    let cFiles = array(r.n_proto_file, r.proto_file)
    let files = cFiles.map(ProtoFile.init)
    let symbols = SymbolTable(files: files)
    let toGenerate = Set((0..<r.n_file_to_generate).map { string(r.file_to_generate[$0]) })
    let options = r.parameter.map { String(cString: $0) } ?? ""
    func option(_ name: String) -> String? {
        options.split(separator: ",").compactMap { option -> String? in
            option.hasPrefix(name + "=") ? String(option.dropFirst(name.count + 1)) : nil
        }.last
    }
    let cModule = option("c_module") ?? "CourierProtosC"
    let messagesModule = option("messages_module") ?? "CourierMessages"
    var output: [(name: String, content: String)] = []
    for (cFile, file) in zip(cFiles, files) where toGenerate.contains(file.name) {
        var generator = FileGenerator(
            file: file, symbols: symbols, serializedDescriptor: PluginIO.serializedWithoutSourceInfo(cFile))
        generator.cModule = cModule
        generator.messagesModule = messagesModule
        do throws(GeneratorError) {
            try generator.validate()
        } catch {
            return .failure(error)
        }
        output.append(("messages/" + generator.messagesFileName, generator.messagesSource()))
        if let services = generator.servicesFileName { output.append(("services/" + services, generator.servicesSource())) }
        output.append(("c/" + generator.cHeaderName, generator.cHeader()))
    }
    return .success(output)
}

switch outcome {
case .success(let files)?: PluginIO.writeResponse(files: files, error: nil)
case .failure(let error)?: PluginIO.writeResponse(files: [], error: error.message)
case nil: PluginIO.writeResponse(files: [], error: "courier-protoc-gen: could not decode the CodeGeneratorRequest")
}
