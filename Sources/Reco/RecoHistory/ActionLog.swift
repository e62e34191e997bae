import RecoCore
import RecoProtos
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// When the History log is flushed to disk. Every policy survives the process being killed.
public enum HistorySyncPolicy: String, Sendable, CaseIterable {
    /// fsync before every append returns.
    case always
    /// fsync at most once a second, from the maintenance task (Redis's appendfsync everysec).
    case everySecond = "every-second"
    /// Leave it to the kernel.
    case never
}

/// The append-only file behind the embedded History store.
///
/// Each record is `[length: UInt32 LE][crc32: UInt32 LE][payload]`, the payload a
/// `reco.v1.UserAction` in protobuf wire format (keyword already normalised, timestamp filled).
/// A record is handed to the kernel with one `write(2)` before the append returns, so it survives
/// the process being killed; `fsync` (policy below) covers the machine going down. Replay stops at
/// the first torn or corrupt record (a crash mid-write) and cuts the file there.
/// Not thread-safe: `LoggedHistoryStore` serialises every call.
final class ActionLog {
    let path: String
    private var descriptor: Int32
    /// Held while the log is open: one process per log.
    private var lock: DirectoryLock?
    private(set) var bytesWritten: Int = 0
    private(set) var needsSync = false

    private static let headerSize = 8
    /// A record longer than this is corruption, not an action.
    private static let maxRecordSize = 1 << 20

    init(path: String) throws {
        self.path = path
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let directory = (path as NSString).deletingLastPathComponent
        lock = try DirectoryLock(directory: directory.isEmpty ? "." : directory)
        descriptor = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw Self.systemError("open", path) }
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// Syncs and closes the file and gives up the directory lock; the log takes no calls after.
    func closeFile() throws {
        guard descriptor >= 0 else { return }
        defer {
            close(descriptor)
            descriptor = -1
            lock = nil
        }
        guard fsync(descriptor) == 0 else { throw Self.systemError("fsync", path) }
    }

    /// Reads every intact record from the start, calling `body` for each; truncates a torn tail.
    /// Returns how many bytes were cut.
    @discardableResult
    func replay(_ body: (Reco_V1_UserAction) -> Void) throws -> Int {
        let data = try readWholeFile()
        var offset = 0
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            while offset + Self.headerSize <= bytes.count {
                let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
                let crc = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
                let start = offset + Self.headerSize
                guard length <= Self.maxRecordSize, start + length <= bytes.count else { break }
                let payload = UnsafeRawBufferPointer(rebasing: bytes[start..<(start + length)])
                guard CRC32.checksum(payload) == crc,
                      let action = try? Reco_V1_UserAction(serializedBytes: payload) else { break }
                body(action)
                offset = start + length
            }
        }
        let cut = data.count - offset
        if cut > 0 {
            guard ftruncate(descriptor, off_t(offset)) == 0 else { throw Self.systemError("ftruncate", path) }
        }
        bytesWritten = offset
        return cut
    }

    /// The log's bytes, read through the open descriptor (pread from offset 0).
    private func readWholeFile() throws -> [UInt8] {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw Self.systemError("fstat", path) }
        var bytes = [UInt8](repeating: 0, count: Int(status.st_size))
        var offset = 0
        try bytes.withUnsafeMutableBytes { raw in
            while offset < raw.count {
                let count = pread(descriptor, raw.baseAddress! + offset, raw.count - offset, off_t(offset))
                if count < 0 {
                    if errno == EINTR { continue }
                    throw Self.systemError("pread", path)
                }
                if count == 0 { break }
                offset += count
            }
        }
        if offset < bytes.count { bytes.removeLast(bytes.count - offset) }
        return bytes
    }

    /// Appends records with one write; returns once the kernel has them.
    func append(_ actions: [RecordedAction]) throws {
        var buffer: [UInt8] = []
        for action in actions { try Self.appendRecord(action, to: &buffer) }
        try writeAll(buffer, to: descriptor)
        bytesWritten += buffer.count
        needsSync = true
    }

    func sync() throws {
        guard needsSync else { return }
        guard fsync(descriptor) == 0 else { throw Self.systemError("fsync", path) }
        needsSync = false
    }

    /// For an fsync made without holding the store's lock (an fsync takes 1-100 ms, and History
    /// calls on the event loop wait for that lock): a duplicate of the log's descriptor when
    /// anything was appended since the last sync, marked synced. The caller fsyncs and closes it,
    /// and calls `syncFailed` if the fsync fails. A rewrite meanwhile is harmless: it syncs the
    /// new file itself, and the duplicate still names the old one.
    func detachSync() -> Int32? {
        guard needsSync else { return nil }
        let duplicate = dup(descriptor)
        guard duplicate >= 0 else { return nil }
        needsSync = false
        return duplicate
    }

    /// A detached fsync failed: the next sync tries again.
    func syncFailed() { needsSync = true }

    /// Replaces the log with just `actions` (the live ones): written to a temporary file, synced,
    /// then renamed over the log, so a crash at any point leaves one complete log.
    func rewrite(with actions: [RecordedAction]) throws {
        let temporary = path + ".compacting"
        let fresh = open(temporary, O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0o644)
        guard fresh >= 0 else { throw Self.systemError("open", temporary) }
        var buffer: [UInt8] = []
        var written = 0
        do {
            for action in actions {
                try Self.appendRecord(action, to: &buffer)
                if buffer.count > 1 << 20 {
                    try writeAll(buffer, to: fresh)
                    written += buffer.count
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            try writeAll(buffer, to: fresh)
            written += buffer.count
            guard fsync(fresh) == 0 else { throw Self.systemError("fsync", temporary) }
            guard rename(temporary, path) == 0 else { throw Self.systemError("rename", temporary) }
        } catch {
            close(fresh)
            unlink(temporary)
            throw error
        }
        close(descriptor)
        descriptor = fresh
        bytesWritten = written
        needsSync = false
    }

    /// `[length][crc32][payload]`, as replay reads it.
    private static func appendRecord(_ action: RecordedAction, to buffer: inout [UInt8]) throws {
        let payload = try StoredAction(action).bytes
        withUnsafeBytes(of: UInt32(payload.count).littleEndian) { buffer += $0 }
        withUnsafeBytes(of: CRC32.checksum(payload).littleEndian) { buffer += $0 }
        buffer += payload
    }

    private func writeAll(_ bytes: [UInt8], to descriptor: Int32) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw Self.systemError("write", path)
                }
                offset += written
            }
        }
    }

    static func systemError(_ call: String, _ path: String) -> ConfigurationError {
        ConfigurationError("history log: \(call) \(path) failed: \(String(cString: strerror(errno)))")
    }
}
