import Foundation

/// Lines to standard output (results) and standard error (status, traces, errors).
enum Terminal {
    static func error(_ text: String) {
        write(text, to: .standardError)
    }

    static func out(_ text: String) {
        write(text, to: .standardOutput)
    }

    /// A reader that went away (`courier-cli list … | head`) ends the program quietly, as a Unix
    /// tool does, instead of trapping on the write (FileHandle.write(_: Data) traps on EPIPE).
    private static func write(_ text: String, to handle: FileHandle) {
        do {
            try handle.write(contentsOf: Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
        } catch {
            exit(0)
        }
    }
}
