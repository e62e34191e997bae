// The entry point every fuzz target shares. Built by scripts/fuzz.sh (coverage, ASan and libFuzzer
// without its main, -DFUZZING) it hands the process to libFuzzer's driver; in a normal build it says how to run
// it. (libFuzzer's own `main` cannot be used: SwiftPM renames each executable's entry point.)
#if canImport(Glibc)
import Glibc
#endif

/// One input to try: the bytes and their count; returns 0.
public typealias FuzzInput = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
private func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ input: FuzzInput) -> CInt
#endif

/// Runs `input` under libFuzzer with the process's arguments (a libFuzzer command line), or, in a
/// normal build, prints how to run the target named `name`.
public func fuzzMain(_ name: String, _ input: FuzzInput) -> Never {
    #if FUZZING
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, input))
    #else
    print("a libFuzzer target: run scripts/fuzz.sh \(name) MINUTES")
    exit(0)
    #endif
}
