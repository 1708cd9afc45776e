/// (Fashion-)MNIST IDX files written byte by byte.
public enum IDXFile {
    /// Magic (0, 0, `type`, `rank`, the rank defaulting to the number of sizes), big-endian 32-bit
    /// sizes (cut to 32 bits, so a test can write any claim), then `data`.
    public static func bytes(_ sizes: [Int], _ data: [UInt8], type: UInt8 = 0x08, rank: Int? = nil) -> [UInt8] {
        [0, 0, type, UInt8(rank ?? sizes.count)] + sizes.flatMap { s in [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: s >> $0) } } + data
    }
}
