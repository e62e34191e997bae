// interop-client --server_host H --server_port N --test_case NAME|all
//
// gRPC's interop client convention: runs the named case (or every case), prints a line per
// case and exits non-zero if any failed.
import Courier
import CourierInterop
import Foundation

StandardOutput.makeLineBuffered()

var arguments = InteropArguments(CommandLine.arguments.dropFirst())
let host = arguments.string("server_host") ?? "127.0.0.1"
let port = arguments.int("server_port") ?? 50051
let name = arguments.string("test_case") ?? "all"
_ = arguments.string("use_tls")  // accepted for compatibility; Courier speaks cleartext h2c here
if let problem = arguments.unknown() {
    FileHandle.standardError.write(Data("interop-client: \(problem)\n".utf8))
    exit(2)
}
let cases: [InteropTestCase]
if name == "all" {
    cases = InteropTestCase.allCases
} else if let single = InteropTestCase(rawValue: name) {
    cases = [single]
} else {
    FileHandle.standardError.write(Data("interop-client: unknown test case '\(name)'; known: \(InteropTestCase.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
    exit(2)
}

let channel = GRPCChannel(host: host, port: port)
var failed = 0
for testCase in cases {
    do {
        try await testCase.run(on: channel)
        print("PASS \(testCase.rawValue)")
    } catch {
        failed += 1
        print("FAIL \(testCase.rawValue): \(error)")
    }
}
await channel.close()
print("\(cases.count - failed) passed, \(failed) failed")
exit(failed == 0 ? 0 : 1)
