import CourierSchema
// courier-protoc-gen: protoc plugin writing Courier's Swift bindings.
//
//   protoc --plugin=protoc-gen-courier=PATH --courier_out=DIR [--courier_opt=c_module=NAME] ...
//
// c_module names the C target holding protoc-c's output for the same files (default CourierProtosC).
// For each file to generate it writes `swift/<name>.courier.swift` (messages, enums, services,
// the embedded descriptor) and `c/<path>.courier.h` (descriptor accessors). scripts/generate.sh
// moves them into Sources/Generated.

let input = PluginIO.readStandardInput()
let outcome: Result<[(name: String, content: String)], GeneratorError>? = PluginIO.withRequest(input) { request in
    let r = request.pointee
    let cFiles = array(r.n_proto_file, r.proto_file)
    let files = cFiles.map(ProtoFile.init)
    let symbols = SymbolTable(files: files)
    let toGenerate = Set((0..<r.n_file_to_generate).map { string(r.file_to_generate[$0]) })
    let options = r.parameter.map { String(cString: $0) } ?? ""
    let cModule = options.split(separator: ",").compactMap { option -> String? in
        option.hasPrefix("c_module=") ? String(option.dropFirst("c_module=".count)) : nil
    }.last ?? "CourierProtosC"
    var output: [(name: String, content: String)] = []
    for (cFile, file) in zip(cFiles, files) where toGenerate.contains(file.name) {
        var generator = FileGenerator(
            file: file, symbols: symbols, serializedDescriptor: PluginIO.serializedWithoutSourceInfo(cFile))
        generator.cModule = cModule
        do throws(GeneratorError) {
            try generator.validate()
        } catch {
            return .failure(error)
        }
        output.append(("swift/" + generator.swiftFileName, generator.swiftSource()))
        output.append(("c/" + generator.cHeaderName, generator.cHeader()))
    }
    return .success(output)
}

switch outcome {
case .success(let files)?: PluginIO.writeResponse(files: files, error: nil)
case .failure(let error)?: PluginIO.writeResponse(files: [], error: error.message)
case nil: PluginIO.writeResponse(files: [], error: "courier-protoc-gen: could not decode the CodeGeneratorRequest")
}
