import Courier
import CourierProtobuf

/// What server reflection answers from: the descriptors the generator embedded for every
/// registered service's file and, transitively, the files it imports.
struct ReflectionIndex: Sendable {
    enum Request {
        case fileByName(String)
        case fileContainingSymbol(String)
        case fileContainingExtension(type: String, number: Int32)
        case allExtensionNumbers(type: String)
        case listServices
    }

    enum Answer {
        case files([[UInt8]])
        case services([String])
        case extensionNumbers(type: String, numbers: [Int32])
        case error(StatusCode, String)
    }

    private var filesByName: [String: GeneratedProtoFile] = [:]
    private var fileBySymbol: [String: GeneratedProtoFile] = [:]
    let serviceNames: [String]

    init(services: [ServiceDescriptor]) {
        serviceNames = services.map(\.name).sorted()
        for service in services {
            for file in service.file.withDependencies {
                filesByName[file.name] = file
                for symbol in file.symbols { fileBySymbol[symbol] = file }
            }
        }
    }

    func answer(_ request: Request) -> Answer {
        switch request {
        case .fileByName(let name):
            guard let file = filesByName[name] else { return .error(.notFound, "unknown file '\(name)'") }
            return .files(Self.serialized(file))
        case .fileContainingSymbol(let symbol):
            guard let file = fileBySymbol[symbol] else { return .error(.notFound, "unknown symbol '\(symbol)'") }
            return .files(Self.serialized(file))
        case .fileContainingExtension(let type, let number):
            return .error(.notFound, "no extension \(number) of '\(type)' (Courier serves proto3 files, which have none)")
        case .allExtensionNumbers(let type):
            guard fileBySymbol[type] != nil else { return .error(.notFound, "unknown type '\(type)'") }
            return .extensionNumbers(type: type, numbers: [])
        case .listServices:
            return .services(serviceNames)
        }
    }

    /// The file first, then everything it imports, so a client can build it without asking again.
    private static func serialized(_ file: GeneratedProtoFile) -> [[UInt8]] {
        [file.serializedDescriptor] + file.withDependencies.filter { $0 !== file }.map(\.serializedDescriptor)
    }
}
