import Foundation

/// The safetensors format: 8-byte little-endian header length N, N bytes of JSON
/// `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}`,
/// then the raw little-endian tensor data (offsets relative to the end of the header).
/// Everything a header claims is checked against the file size before anything is allocated.
public struct Safetensors {
    public enum DType: String, Sendable {
        case f64 = "F64", f32 = "F32", bf16 = "BF16", f16 = "F16", i64 = "I64", i32 = "I32", u8 = "U8", i8 = "I8", bool = "BOOL"

        public var size: Int {
            switch self {
            case .f64, .i64: 8
            case .f32, .i32: 4
            case .bf16, .f16: 2
            case .u8, .i8, .bool: 1
            }
        }
    }

    public struct Tensor {
        public let dtype: DType
        public let shape: [Int]
        /// Raw little-endian bytes.
        public let data: [UInt8]

        public var count: Int { shape.reduce(1, *) }

        public init(dtype: DType, shape: [Int], data: [UInt8]) {
            self.dtype = dtype
            self.shape = shape
            self.data = data
        }

        public init(_ values: [Float], shape: [Int]? = nil) {
            self.init(dtype: .f32, shape: shape ?? [values.count], data: values.withUnsafeBytes { [UInt8]($0) })
        }

        public init(_ values: [Double], shape: [Int]? = nil) {
            self.init(dtype: .f64, shape: shape ?? [values.count], data: values.withUnsafeBytes { [UInt8]($0) })
        }

        public init(_ values: [Int64], shape: [Int]? = nil) {
            self.init(dtype: .i64, shape: shape ?? [values.count], data: values.withUnsafeBytes { [UInt8]($0) })
        }

        public init(_ values: [UInt8], shape: [Int]? = nil) {
            self.init(dtype: .u8, shape: shape ?? [values.count], data: values)
        }

        private func load<T>(_: T.Type) -> [T] {
            data.withUnsafeBytes { raw in (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self) } }
        }

        /// Values as Double, whatever the numeric dtype.
        public func doubles() -> [Double] {
            switch dtype {
            case .f64: load(Double.self)
            case .f32: load(Float.self).map(Double.init)
            case .i64: load(Int64.self).map(Double.init)
            case .i32: load(Int32.self).map(Double.init)
            case .u8, .bool: data.map(Double.init)
            case .i8: data.map { Double(Int8(bitPattern: $0)) }
            case .bf16: load(UInt16.self).map { Double(Float(bitPattern: UInt32($0) << 16)) }
            case .f16: load(UInt16.self).map { Double(Float(Float16(bitPattern: $0))) }
            }
        }

        public func floats() -> [Float] { dtype == .f32 ? load(Float.self) : doubles().map(Float.init) }
        public func int64s() -> [Int64] { dtype == .i64 ? load(Int64.self) : doubles().map { Int64($0) } }
    }

    public var tensors: [String: Tensor]
    public var metadata: [String: String]

    public init(tensors: [String: Tensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// Limits checked before allocating: a header over 100 MB or a tensor with more elements than
    /// the file has bytes is refused at once.
    public static let maxHeaderBytes = 100 << 20
    public static let maxRank = 8

    public static func read(path: String) throws -> Safetensors {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw DataError(path, "is a directory, expected a file")
        }
        if FileManager.default.fileExists(atPath: path) { try ByteReader.checkRegularFile(path) }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                throw DataError(path, isDirectory.boolValue ? "is a directory, expected a file" : "cannot be opened for reading")
            }
            throw DataError(path, "file not found")
        }
        defer { try? handle.close() }
        let fileSize: Int
        do { fileSize = Int(try handle.seekToEnd()); try handle.seek(toOffset: 0) } catch {
            throw DataError(path, "cannot be read: \(error.localizedDescription)")
        }
        guard fileSize >= 8 else { throw DataError(path, "too short for a safetensors file (\(fileSize) bytes)") }
        let lengthBytes = [UInt8]((try? handle.read(upToCount: 8)) ?? Data())
        guard lengthBytes.count == 8 else { throw DataError(path, "cannot read the header length") }
        let headerLength = lengthBytes.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard headerLength <= UInt64(maxHeaderBytes) else {
            throw DataError(path, "header claims \(headerLength) bytes (limit \(maxHeaderBytes)); not a safetensors file or damaged")
        }
        guard Int(headerLength) <= fileSize - 8 else {
            throw DataError(path, "truncated: header claims \(headerLength) bytes but the file has \(fileSize - 8) after the length")
        }
        let rest = [UInt8]((try? handle.readToEnd()) ?? Data())
        guard rest.count == fileSize - 8 else { throw DataError(path, "file changed size while being read") }
        return try parse(header: rest[0..<Int(headerLength)], data: rest[Int(headerLength)...], path: path)
    }

    static func parse(header: ArraySlice<UInt8>, data: ArraySlice<UInt8>, path: String) throws -> Safetensors {
        guard let json = try? JSONSerialization.jsonObject(with: Data(header)), let object = json as? [String: Any] else {
            throw DataError(path, "header is not a JSON object")
        }
        var result = Safetensors()
        var spans: [(begin: Int, end: Int, name: String)] = []
        for (name, value) in object {
            if name == "__metadata__" {
                guard let map = value as? [String: Any] else { throw DataError(path, "__metadata__ is not an object") }
                for (k, v) in map {
                    guard let s = v as? String else { throw DataError(path, "metadata \"\(printable(k))\" is not a string") }
                    result.metadata[k] = s
                }
                continue
            }
            guard let entry = value as? [String: Any] else { throw DataError(path, "tensor \"\(printable(name))\" is not an object") }
            guard let dtypeName = entry["dtype"] as? String, let dtype = DType(rawValue: dtypeName) else {
                throw DataError(path, "tensor \"\(printable(name))\" has an unknown dtype \(printable(String(describing: entry["dtype"] ?? "nil")))")
            }
            guard let shapeAny = entry["shape"] as? [Any], shapeAny.count <= maxRank,
                  let shape = shapeAny.map(Self.integer) as? [Int], shape.allSatisfy({ $0 >= 0 }) else {
                throw DataError(path, "tensor \"\(printable(name))\" has an invalid shape")
            }
            guard let offsetsAny = entry["data_offsets"] as? [Any], offsetsAny.count == 2,
                  let begin = Self.integer(offsetsAny[0]), let end = Self.integer(offsetsAny[1]),
                  begin >= 0, end >= begin, end <= data.count else {
                throw DataError(path, "tensor \"\(printable(name))\" has data offsets outside the file's \(data.count) data bytes")
            }
            var elements = 1
            for d in shape {
                let (product, overflow) = elements.multipliedReportingOverflow(by: d)
                guard !overflow, product <= data.count else {
                    throw DataError(path, "tensor \"\(printable(name))\" shape \(shape) is larger than the file")
                }
                elements = product
            }
            guard elements * dtype.size == end - begin else {
                throw DataError(path, "tensor \"\(printable(name))\": shape \(shape) of \(dtypeName) needs \(elements * dtype.size) bytes, offsets span \(end - begin)")
            }
            spans.append((begin, end, name))
            let start = data.startIndex
            result.tensors[name] = Tensor(dtype: dtype, shape: shape, data: Array(data[(start + begin)..<(start + end)]))
        }
        spans.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var cursor = 0
        for s in spans {
            guard s.begin == cursor else {
                throw DataError(path, s.begin < cursor ? "tensor \"\(printable(s.name))\" overlaps another" : "gap in the data before tensor \"\(printable(s.name))\"")
            }
            cursor = s.end
        }
        guard cursor == data.count else { throw DataError(path, "\(data.count - cursor) trailing bytes after the last tensor") }
        return result
    }

    /// A string from a file made fit to show: control characters (escape sequences a terminal
    /// would obey) and invisible format characters become `?`; at most `limit` characters.
    public static func printable(_ s: String, limit: Int = 200) -> String {
        let scalars = s.unicodeScalars.prefix(limit).map { (u: Unicode.Scalar) -> Unicode.Scalar in
            let category = u.properties.generalCategory
            return category == .control || category == .format || category == .lineSeparator || category == .paragraphSeparator ? "?" : u
        }
        return String(String.UnicodeScalarView(scalars)) + (s.unicodeScalars.count > limit ? "…" : "")
    }

    /// A JSON integer literal ("2.5", "3.0", true or "3" are not), as serde's usize reads them.
    static func integer(_ value: Any) -> Int? {
        guard let n = value as? NSNumber, type(of: n) == NSNumber.self else { return nil }
        let kind = String(cString: n.objCType)
        guard ["i", "q", "l", "s", "c", "I", "Q", "L", "S", "C"].contains(kind) else { return nil }
        return n.intValue
    }

    /// The file's bytes: tensors laid out in name order; header padded with spaces to 8 bytes.
    public func serialized() -> [UInt8] {
        var header = "{"
        if !metadata.isEmpty {
            header += "\"__metadata__\":{"
            header += metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0]!))" }.joined(separator: ",")
            header += "}"
        }
        var offset = 0
        var body: [UInt8] = []
        for name in tensors.keys.sorted() {
            let t = tensors[name]!
            if header.count > 1 { header += "," }
            let shape = t.shape.map(String.init).joined(separator: ",")
            header += "\(jsonString(name)):{\"dtype\":\"\(t.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + t.data.count)]}"
            offset += t.data.count
            body += t.data
        }
        header += "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var length = UInt64(headerBytes.count).littleEndian
        let lengthBytes = withUnsafeBytes(of: &length) { [UInt8]($0) }
        return lengthBytes + headerBytes + body
    }

    public func write(to path: String) throws {
        try AtomicFile.write(serialized(), to: path)
    }

    private func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// The tensor named `name`, or an error naming the file.
    public func tensor(_ name: String, in path: String) throws -> Tensor {
        guard let t = tensors[name] else { throw DataError(path, "missing tensor \"\(Self.printable(name))\"") }
        return t
    }
}
