import Foundation

/// CIFAR-10 "binary version": records of 1 label byte + 3072 pixel bytes (3x32x32, CHW),
/// `data_batch_1.bin`...`data_batch_5.bin` for training and `test_batch.bin` for testing.
/// Pixels are scaled to [0, 1] and normalised per channel.
public enum CIFAR10 {
    static let record = 1 + 3 * 32 * 32
    static let maxRecords = 80_000
    public static let mean: [Float] = [0.4914, 0.4822, 0.4465]
    public static let std: [Float] = [0.2023, 0.1994, 0.2010]

    public static func files(_ split: Split) -> [String] {
        split == .train ? (1...5).map { "data_batch_\($0).bin" } : ["test_batch.bin"]
    }

    public static func load(_ split: Split, directory: String) throws -> Dataset {
        var images: [Float] = []
        var labels: [Int32] = []
        for name in files(split) {
            let path = (directory as NSString).appendingPathComponent(name)
            let (x, y) = try read(path: path)
            images += x
            labels += y
        }
        return Dataset(name: "cifar10 \(split.rawValue)", shape: [3, 32, 32], classes: 10, images: images, labels: labels)
    }

    /// One batch file: normalised pixels [N, 3, 32, 32] and labels [N].
    public static func read(path: String) throws -> (images: [Float], labels: [Int32]) {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = attributes[.size] as? Int else {
            throw DataError(path, "file not found")
        }
        try ByteReader.checkRegularFile(path)
        guard size > 0, size % record == 0 else {
            throw DataError(path, "size \(size) is not a whole number of \(record)-byte CIFAR-10 records")
        }
        // A batch file holds 10,000 records (30 MB); 8 times that becomes 1 GiB of floats.
        guard size <= maxRecords * record else { throw DataError(path, "size \(size) is too large for a CIFAR-10 batch") }
        let reader = try ByteReader(path: path)
        guard !reader.isCompressed else { throw DataError(path, "is gzip-compressed; extract the CIFAR-10 binary archive first") }
        let bytes = try reader.read(size, "records")
        let n = size / record
        var images = [Float](repeating: 0, count: n * 3072)
        var labels = [Int32](repeating: 0, count: n)
        for i in 0..<n {
            let base = i * record
            let label = bytes[base]
            guard label < 10 else { throw DataError(path, "label \(label) of record \(i) is out of range 0..<10") }
            labels[i] = Int32(label)
            for c in 0..<3 {
                let scale = 1 / (255 * std[c]), shift = mean[c] / std[c]
                for p in 0..<1024 {
                    images[i * 3072 + c * 1024 + p] = Float(bytes[base + 1 + c * 1024 + p]) * scale - shift
                }
            }
        }
        return (images, labels)
    }
}
