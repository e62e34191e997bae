// swift-tools-version:6.1
// Courier: a gRPC-compatible RPC platform on nghttp2 and protobuf-c.
//
// The layers, bottom to top (imports point downward only):
//   Sources/CShims      system-library shims for libnghttp2, libprotobuf-c, zlib, hiredis and glibc's malloc.h
//   Sources/Generated   protoc-c output (C) and the Swift bindings generated from Protos/
//   Sources/Codegen     the Swift generator (a protoc plugin)
//   Sources/Protobuf    the Swift runtime the generated bindings stand on; schemas at run time
//   Sources/Transport   HTTP/2 over nghttp2 and SwiftNIO; knows streams, not gRPC
//   Sources/Core        the gRPC call layer: status, metadata, deadlines, router, server, client
//   Sources/Services    standard services: health and reflection
//   Sources/Reco        the recommendation services, one target each over RecoCore, and the serving layer
//   Sources/Tools       interop-server, interop-client, reco, and what tools share
//   loadtest/           the load-test client; bench/ the benchmarks
import PackageDescription

// No unsafe flags: SwiftPM refuses them in a package others depend on by version. The run-time
// exclusivity checks that cost most (stored properties of the classes confined to one event loop:
// HTTP/2 session, stream and connection, the call handlers, the arena, the deadline wheel) are
// turned off where they are declared, with @exclusivity(unchecked).
let swiftSettings: [SwiftSetting] = []

let package = Package(
    name: "Courier",
    products: [
        .library(name: "Courier", targets: ["Courier"]),
        .library(name: "CourierServices", targets: ["CourierServices"]),
        .library(name: "CourierTLS", targets: ["CourierTLS"]),
        .library(name: "GRPCServiceProtos", targets: ["GRPCServiceProtos"]),
        .library(name: "CourierProtos", targets: ["CourierProtos"]),
        // Message types alone, on the protobuf runtime (no RPC stack).
        .library(name: "GRPCServiceMessages", targets: ["GRPCServiceMessages"]),
        .library(name: "RecoMessages", targets: ["RecoMessages"]),
        .executable(name: "interop-server", targets: ["interop-server"]),
        .executable(name: "interop-client", targets: ["interop-client"]),
        .executable(name: "courier-protoc-gen", targets: ["courier-protoc-gen"]),
        .executable(name: "reco", targets: ["reco"]),
        .executable(name: "loadtest", targets: ["loadtest"]),
        .executable(name: "courier-cli", targets: ["courier-cli"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        // TLS (BoringSSL inside): only the CourierTLS target and what uses it build it.
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        // Batches in PostgreSQL (`reco serve --postgres`): only RecoPostgres and what uses it build it.
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // `swift package generate-documentation`: the API reference (scripts/check-docs.sh).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin.git", from: "1.5.0"),
    ],
    targets: [
        // C libraries, wrapped once at the edge.
        .systemLibrary(
            name: "CNGHTTP2", path: "Sources/CShims/CNGHTTP2", pkgConfig: "libnghttp2",
            providers: [.apt(["libnghttp2-dev"])]),
        .systemLibrary(
            name: "CProtobufC", path: "Sources/CShims/CProtobufC", pkgConfig: "libprotobuf-c",
            providers: [.apt(["libprotobuf-c-dev"])]),
        .systemLibrary(name: "CMalloc", path: "Sources/CShims/CMalloc"),
        .systemLibrary(
            name: "CZlib", path: "Sources/CShims/CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            // No pkgConfig: hiredis.pc's -D_FILE_OFFSET_BITS=64 is a flag SwiftPM prohibits (a warning on every build).
            name: "CHiredis", path: "Sources/CShims/CHiredis", providers: [.apt(["libhiredis-dev"])]),

        // Generated code (scripts/generate.sh); never edited by hand. Per group of protos, so each
        // user compiles only the protos it uses: a module of message types on the protobuf runtime
        // only (…Messages), a module of services on Courier that re-exports it (…Protos), and one C
        // module under both. GRPCServiceProtos (grpc.health.v1, grpc.reflection), CourierProtos
        // (grpc.testing and courier.testing: interop and tests), RecoProtos (reco.v1).
        .target(
            name: "GRPCServiceProtosC", dependencies: ["CProtobufC"], path: "Sources/Generated/GRPCServiceProtosC",
            linkerSettings: [.linkedLibrary("protobuf-c")]),
        .target(
            name: "GRPCServiceMessages", dependencies: ["CourierProtobuf", "GRPCServiceProtosC"],
            path: "Sources/Generated/GRPCServiceMessages", swiftSettings: swiftSettings),
        .target(
            name: "GRPCServiceProtos", dependencies: ["GRPCServiceMessages", "CourierProtobuf", "Courier"],
            path: "Sources/Generated/GRPCServiceProtos", swiftSettings: swiftSettings),
        .target(
            name: "CourierProtosC", dependencies: ["CProtobufC"], path: "Sources/Generated/CourierProtosC",
            linkerSettings: [.linkedLibrary("protobuf-c")]),
        .target(
            name: "RecoProtosC", dependencies: ["CProtobufC"], path: "Sources/Generated/RecoProtosC",
            linkerSettings: [.linkedLibrary("protobuf-c")]),
        .target(
            name: "RecoMessages", dependencies: ["CourierProtobuf", "RecoProtosC"],
            path: "Sources/Generated/RecoMessages", swiftSettings: swiftSettings),
        .target(
            name: "RecoProtos", dependencies: ["RecoMessages", "CourierProtobuf", "Courier"],
            path: "Sources/Generated/RecoProtos", swiftSettings: swiftSettings),
        .target(
            name: "CProtocPlugin", dependencies: ["CProtobufC"], path: "Sources/Generated/CProtocPlugin",
            linkerSettings: [.linkedLibrary("protobuf-c")]),
        .target(
            name: "CourierMessages", dependencies: ["CourierProtobuf", "CourierProtosC"],
            path: "Sources/Generated/CourierMessages", swiftSettings: swiftSettings),
        .target(
            name: "CourierProtos", dependencies: ["CourierMessages", "CourierProtobuf", "Courier"],
            path: "Sources/Generated/CourierProtos", swiftSettings: swiftSettings),

        // The Swift generator: a protoc plugin reading CodeGeneratorRequest through protobuf-c.
        .executableTarget(
            name: "courier-protoc-gen", dependencies: ["CProtocPlugin", "CProtobufC", "CourierProtobuf", "CourierSchema"],
            path: "Sources/Codegen/courier-protoc-gen"),

        // .proto schemas at run time: descriptors (from the generator's input, embedded files or
        // reflection) as Swift values, and protobuf's JSON mapping driven by them.
        .target(
            name: "CourierSchema", dependencies: ["CProtocPlugin", "CProtobufC", "CourierProtobuf"], path: "Sources/Protobuf/CourierSchema",
            swiftSettings: swiftSettings),

        // Runtime for generated messages: pack/unpack through protobuf-c's descriptors.
        .target(
            name: "CourierProtobuf", dependencies: ["CProtobufC"], path: "Sources/Protobuf/CourierProtobuf",
            swiftSettings: swiftSettings),

        // A per-session pool for nghttp2's small allocations (C: called from nghttp2 per allocation).
        .target(name: "CHTTP2Memory", dependencies: ["CNGHTTP2"], path: "Sources/Transport/CHTTP2Memory"),
        // HTTP/2 transport: nghttp2 sessions driven by SwiftNIO channels.
        .target(
            name: "CourierHTTP2",
            dependencies: [
                "CNGHTTP2", "CHTTP2Memory", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Sources/Transport/CourierHTTP2", swiftSettings: swiftSettings),

        // TLS and mutual TLS for HTTP/2 connections, with swift-nio-ssl, behind CourierHTTP2's
        // connection-security seam: users who do not need it do not build BoringSSL.
        .target(
            name: "CourierTLS",
            dependencies: [
                "CourierHTTP2", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Sources/Transport/CourierTLS", swiftSettings: swiftSettings),

        // The gRPC call layer.
        .target(
            name: "Courier",
            dependencies: [
                "CourierHTTP2", "CourierProtobuf", "CMalloc", "CZlib", "GRPCServiceMessages", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Sources/Core/Courier", swiftSettings: swiftSettings),

        // Standard services.
        .target(
            name: "CourierServices", dependencies: ["Courier", "GRPCServiceProtos"],
            path: "Sources/Services/CourierServices", swiftSettings: swiftSettings),

        // Interop tools (gRPC's interop conventions).
        .target(
            name: "CourierInterop", dependencies: ["Courier", "CourierProtos", "CourierServices", "CourierTLS"],
            path: "Sources/Tools/CourierInterop", swiftSettings: swiftSettings),
        // The recommendation services, one target each over a shared core, and the serving layer
        // (`Reco`: `reco serve`'s node, which re-exports the rest).
        .target(name: "CVectorKernels", path: "Sources/Reco/CVectorKernels"),
        // Batches by part_date, the action record, shop-row indexes, metrics, errors.
        .target(
            name: "RecoCore",
            dependencies: [
                "Courier", "RecoProtos", "CVectorKernels", .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Sources/Reco/RecoCore", swiftSettings: swiftSettings),
        // hiredis's RESP reader with array sizes bounded (C: wraps hiredis's reply functions).
        .target(name: "CRedisReader", dependencies: ["CHiredis"], path: "Sources/Reco/CRedisReader", linkerSettings: [.linkedLibrary("hiredis")]),
        // A Redis client: hiredis's RESP reader (no I/O) under a pipelined SwiftNIO connection.
        .target(
            name: "RecoRedis",
            dependencies: [
                "CHiredis", "CRedisReader", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Sources/Reco/RecoRedis", swiftSettings: swiftSettings),
        // The daily batches in PostgreSQL (postgres-nio): upload, and download into a service's folder.
        .target(
            name: "RecoPostgres",
            dependencies: [
                "RecoCore", "RecoSimilarity", "RecoCandidates", "RecoProtos", .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Reco/RecoPostgres", swiftSettings: swiftSettings),
        .target(
            name: "RecoHistory",
            dependencies: ["RecoCore", "RecoRedis", "Courier", "RecoProtos", .product(name: "Logging", package: "swift-log")],
            path: "Sources/Reco/RecoHistory", swiftSettings: swiftSettings),
        .target(
            name: "RecoSimilarity",
            dependencies: ["RecoCore", "Courier", "RecoProtos", "CVectorKernels", .product(name: "Logging", package: "swift-log")],
            path: "Sources/Reco/RecoSimilarity", swiftSettings: swiftSettings),
        .target(
            name: "RecoCandidates", dependencies: ["RecoCore", "Courier", "RecoProtos", .product(name: "Logging", package: "swift-log")],
            path: "Sources/Reco/RecoCandidates", swiftSettings: swiftSettings),
        .target(
            name: "RecoSearchHome",
            dependencies: [
                "RecoCore", "Courier", "RecoProtos", "GRPCServiceProtos", "CourierServices", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Reco/RecoSearchHome", swiftSettings: swiftSettings),
        .target(
            name: "RecoDemoData",
            dependencies: ["RecoCore", "RecoSimilarity", "RecoCandidates", "RecoProtos", .product(name: "Logging", package: "swift-log")],
            path: "Sources/Reco/RecoDemoData", swiftSettings: swiftSettings),
        .target(
            name: "Reco",
            dependencies: [
                "RecoCore", "RecoHistory", "RecoRedis", "RecoPostgres", "RecoSimilarity", "RecoCandidates", "RecoSearchHome", "RecoDemoData",
                "Courier", "GRPCServiceProtos", "RecoProtos", "CourierServices",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            path: "Sources/Reco/Reco", swiftSettings: swiftSettings),
        .executableTarget(
            name: "reco",
            dependencies: ["Reco", "CourierTLS", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            path: "Sources/Tools/reco", swiftSettings: swiftSettings),
        // What the tools share: descriptors (reflection, local files), JSON calls, frame traces.
        .target(
            name: "CourierTooling",
            dependencies: [
                "Courier", "CourierHTTP2", "GRPCServiceProtos", "CourierSchema", "CourierTLS",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Tools/CourierTooling", swiftSettings: swiftSettings),

        // The protocol-level debugger: list, describe, call (JSON), --trace (frames), decode, health.
        .executableTarget(
            name: "courier-cli",
            dependencies: [
                "Courier", "CourierHTTP2", "GRPCServiceProtos", "CourierSchema", "CourierTooling",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/Tools/courier-cli", swiftSettings: swiftSettings),

        // bench/unary.sh's transport-only rows: Courier's HTTP/2 layer with canned answers.
        .executableTarget(
            name: "transport-ceiling",
            dependencies: ["CourierHTTP2", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
            path: "bench/transport-ceiling", swiftSettings: swiftSettings),
        // The load-test client (top-level loadtest/): open-loop load, freshness, HDR percentiles.
        .executableTarget(
            name: "loadtest",
            dependencies: [
                "Courier", "RecoProtos", "CourierSchema", "CourierTooling",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "loadtest", swiftSettings: swiftSettings),
        .executableTarget(
            name: "reco-bench",
            dependencies: [
                "Reco", "Courier", "GRPCServiceProtos", "RecoProtos", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "bench/reco-bench", swiftSettings: swiftSettings),
        .executableTarget(
            name: "interop-server", dependencies: ["CourierInterop"], path: "Sources/Tools/interop-server",
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "interop-client", dependencies: ["CourierInterop"], path: "Sources/Tools/interop-client",
            swiftSettings: swiftSettings),

        // libFuzzer targets (scripts/fuzz.sh builds them with coverage, ASan and -DFUZZING;
        // a normal build makes stubs that say so).
        .target(name: "FuzzDriver", path: "Fuzz/FuzzDriver"),
        .executableTarget(name: "fuzz-batch-loaders", dependencies: ["FuzzDriver", "Reco"], path: "Fuzz/FuzzBatchLoaders"),
        .executableTarget(
            name: "fuzz-http2-session",
            dependencies: ["FuzzDriver", "CourierHTTP2", .product(name: "NIOCore", package: "swift-nio")], path: "Fuzz/FuzzHTTP2Session"),
        .executableTarget(
            name: "fuzz-deframer", dependencies: ["FuzzDriver", "Courier", .product(name: "NIOCore", package: "swift-nio")],
            path: "Fuzz/FuzzDeframer"),
        .executableTarget(name: "fuzz-messages", dependencies: ["FuzzDriver", "RecoProtos", "CourierProtobuf"], path: "Fuzz/FuzzMessages"),
        .executableTarget(name: "fuzz-resp", dependencies: ["FuzzDriver", "RecoRedis"], path: "Fuzz/FuzzRESP"),

        // Loopback sockets for tests: stalled and full-backlog listeners, free ports.
        .target(name: "CourierTestSupport", path: "Tests/CourierTestSupport"),
        .testTarget(
            name: "CourierProtobufTests", dependencies: ["CourierProtobuf", "CourierProtos", "RecoProtos", "CourierSchema", "CourierTestSupport"],
            path: "Tests/CourierProtobufTests"),
        .testTarget(
            name: "CourierTests",
            dependencies: [
                "Courier", "CourierProtos", "GRPCServiceProtos", "CourierServices", "CourierInterop", "CourierHTTP2", "CNGHTTP2",
                "CourierTestSupport", "CourierTLS", "CourierTooling",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            path: "Tests/CourierTests"),
        .testTarget(
            name: "LoadTestTests", dependencies: ["loadtest", "Reco", "Courier", "CourierInterop", "CourierTooling", "CourierTestSupport"],
            path: "Tests/LoadTestTests"),
        .testTarget(
            name: "CourierToolingTests",
            dependencies: [
                "courier-cli", "Courier", "CourierInterop", "CourierSchema", "CourierServices", "CourierTooling", "CourierTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/CourierToolingTests"),
        .testTarget(
            name: "RecoTests", dependencies: ["Reco", "RecoRedis", "RecoSimilarity", "RecoSearchHome", "Courier", "GRPCServiceProtos", "RecoProtos", "CourierTestSupport"],
            path: "Tests/RecoTests"),
    ]
)
