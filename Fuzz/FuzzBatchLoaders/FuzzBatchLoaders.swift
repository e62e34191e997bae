// libFuzzer target: the daily batch loaders (shops.tsv, two_tower.tsv, .npy, embeddings) on
// arbitrary file contents; the first byte picks the file. A bad file must be refused with an
// error naming it, never crash the process (a `nan` latitude, a hostile .npy shape).
import FuzzDriver
import Foundation
import Reco

let directory = "/dev/shm/courier-fuzz-\(getpid())"
let files = ["shops.tsv", "two_tower.tsv", "shops.npy", "keywords.ids"]
// A good batch to start from: the fuzzed file replaces one of its files.
let seedBatch: Void = {
    try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    try! "shop_id\tname\tcategory\tlatitude\tlongitude\tdelivery_radius_m\tpopularity\n1\ta\tb\t37.5\t127\t2000\t1\n"
        .write(toFile: directory + "/shops.tsv", atomically: false, encoding: .utf8)
    try! "user_id\tshops\nu1\t1:0.5\n".write(toFile: directory + "/two_tower.tsv", atomically: false, encoding: .utf8)
    try! "1\n".write(toFile: directory + "/shops.ids", atomically: false, encoding: .utf8)
    try! "키워드\n".write(toFile: directory + "/keywords.ids", atomically: false, encoding: .utf8)
    try! NumpyFloatMatrix.write(path: directory + "/shops.npy", rows: 1, columns: 2, values: [1, 2])
    try! NumpyFloatMatrix.write(path: directory + "/keywords.npy", rows: 1, columns: 2, values: [2, 1])
}()

func load(_ bytes: UnsafeRawBufferPointer) {
    guard bytes.count > 0 else { return }
    _ = seedBatch
    let file = files[Int(bytes[0]) % files.count]
    let path = directory + "/" + file
    let saved = FileManager.default.contents(atPath: path)!
    defer { _ = FileManager.default.createFile(atPath: path, contents: saved) }
    _ = FileManager.default.createFile(atPath: path, contents: Data(UnsafeRawBufferPointer(rebasing: bytes[1...])))
    _ = try? CandidateBatch.load(directory: directory, partDate: "fuzz")
    _ = try? EmbeddingTable.load(directory: directory, partDate: "fuzz")
}

@main
struct FuzzBatchLoaders {
    static func main() {
        fuzzMain("loaders") { data, size in
            guard let data else { return 0 }
            load(UnsafeRawBufferPointer(start: data, count: size))
            return 0
        }
    }
}
