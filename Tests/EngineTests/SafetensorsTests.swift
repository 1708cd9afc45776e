import TestSupport
import XCTest
@testable import Engine

final class SafetensorsTests: XCTestCase {
    static func sample() -> Safetensors {
        let f16: [UInt16] = [Float16(1.5).bitPattern, Float16(-0.25).bitPattern]
        let bf16: [UInt16] = [UInt16(Float(3).bitPattern >> 16), UInt16(Float(-2).bitPattern >> 16)]
        let i32: [Int32] = [-7, 1 << 30]
        return Safetensors(
            tensors: [
                "origin": .init([Float](arrayLiteral: 1, -2.5, .pi, 0), shape: [2, 2]),
                "scale": .init([0.1] as [Double], shape: []),
                "pattern": .init([Int64](arrayLiteral: 1, 0, -1, .max, .min, 3), shape: [2, 3]),
                "mask": .init([UInt8](arrayLiteral: 0, 255, 7)),
                "empty": .init([Float](), shape: [0, 4]),
                "half": .init(dtype: .f16, shape: [2], data: f16.flatMap(\.littleEndianBytes)),
                "brain": .init(dtype: .bf16, shape: [2, 1], data: bf16.flatMap(\.littleEndianBytes)),
                "ints": .init(dtype: .i32, shape: [2], data: i32.flatMap(\.littleEndianBytes)),
                "signed": .init(dtype: .i8, shape: [3], data: [0xFF, 0x80, 0x7F]),
                "flags": .init(dtype: .bool, shape: [2], data: [1, 0]),
            ],
            metadata: ["format": "mpo-plane/1", "quote\"back\\slash": "line\nbreak\ttab \u{1}é😀", "empty": ""])
    }

    func testRoundTripThroughAFile() throws {
        let dir = try TemporaryFolder()
        let path = dir.file("plane.safetensors")
        let written = Self.sample()
        try written.write(to: path)
        let read = try Safetensors.read(path: path)
        XCTAssertEqual(read.metadata, written.metadata)
        XCTAssertEqual(Set(read.tensors.keys), Set(written.tensors.keys))
        for (name, t) in written.tensors {
            let r = try read.tensor(name, in: path)
            XCTAssertEqual(r.dtype, t.dtype, name)
            XCTAssertEqual(r.shape, t.shape, name)
            XCTAssertEqual(r.data, t.data, name)
        }
        XCTAssertEqual(try read.tensor("origin", in: path).floats(), [1, -2.5, .pi, 0])
        XCTAssertEqual(try read.tensor("scale", in: path).doubles(), [0.1])
        XCTAssertEqual(try read.tensor("scale", in: path).count, 1)
        XCTAssertEqual(try read.tensor("pattern", in: path).int64s(), [1, 0, -1, .max, .min, 3])
        XCTAssertEqual(try read.tensor("half", in: path).doubles(), [1.5, -0.25])
        XCTAssertEqual(try read.tensor("brain", in: path).doubles(), [3, -2])
        XCTAssertEqual(try read.tensor("ints", in: path).doubles(), [-7, 1_073_741_824])
        XCTAssertEqual(try read.tensor("signed", in: path).doubles(), [-1, -128, 127])
        XCTAssertEqual(try read.tensor("empty", in: path).floats(), [])
        assertDataError(try read.tensor("nope", in: path), path: path, "missing tensor", "nope")
        // Writing the same content again gives the same bytes.
        XCTAssertEqual([UInt8](try Data(contentsOf: URL(fileURLWithPath: path))), written.serialized())
    }

    func testHeaderIsPaddedJSON() throws {
        let bytes = Self.sample().serialized()
        let n = Int(bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        XCTAssertEqual(n % 8, 0)
        XCTAssertEqual((8 + n) % 8, 0, "data starts 8-byte aligned")
        let header = Array(bytes[8..<(8 + n)])
        XCTAssertEqual(header.first, UInt8(ascii: "{"))
        let trimmed = Array(header.reversed().drop { $0 == 0x20 }.reversed())
        XCTAssertEqual(trimmed.last, UInt8(ascii: "}"), "padding is spaces after the object")
        XCTAssertLessThan(header.count - trimmed.count, 8)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(header)) as? [String: Any])
        XCTAssertEqual(json["__metadata__"] as? [String: String], Self.sample().metadata)
        // Offsets tile the data in order, and the data is what follows the header.
        var spans: [(Int, Int, String)] = []
        for (name, value) in json where name != "__metadata__" {
            let entry = try XCTUnwrap(value as? [String: Any])
            let offsets = try XCTUnwrap(entry["data_offsets"] as? [Int])
            XCTAssertNotNil(entry["dtype"] as? String)
            XCTAssertNotNil(entry["shape"] as? [Int])
            spans.append((offsets[0], offsets[1], name))
            XCTAssertEqual(Array(bytes[(8 + n + offsets[0])..<(8 + n + offsets[1])]), Self.sample().tensors[name]!.data, name)
        }
        spans.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        var cursor = 0
        for s in spans { XCTAssertEqual(s.0, cursor, s.2); cursor = s.1 }
        XCTAssertEqual(8 + n + cursor, bytes.count)
    }

    /// A file of an 8-byte little-endian length, the header text (padded to `length` when given)
    /// and the data.
    static func file(header: String, data: [UInt8], length: UInt64? = nil) -> [UInt8] {
        let h = Array(header.utf8)
        return (length ?? UInt64(h.count)).littleEndianBytes + h + data
    }

    func testRefusesMalformedFiles() throws {
        let dir = try TemporaryFolder()
        let f32x2 = #""a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}"#
        let eight = [UInt8](repeating: 1, count: 8)
        let cases: [(String, [UInt8], [String])] = [
            ("empty file", [], ["too short"]),
            ("shorter than the length", [1, 2, 3], ["too short"]),
            ("header longer than the file", Self.file(header: "{\(f32x2)}", data: eight, length: 200), ["truncated", "200"]),
            ("header of 100 GB", Self.file(header: "{}", data: [], length: 100 << 30), ["header claims", "limit"]),
            ("header of 2^64 - 1", Self.file(header: "{}", data: [], length: .max), ["header claims"]),
            ("not JSON", Self.file(header: "{nope", data: []), ["not a JSON object"]),
            ("JSON array", Self.file(header: "[1,2]", data: []), ["not a JSON object"]),
            ("offsets past the end", Self.file(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: [0, 0, 0, 0]), ["offsets", "\"a\""]),
            ("offsets backwards", Self.file(header: #"{"a":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}"#, data: [0, 0, 0, 0]), ["offsets"]),
            ("negative offset", Self.file(header: #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[-2,0]}}"#, data: [0, 0]), ["offsets"]),
            ("overlap", Self.file(header: #"{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[4],"data_offsets":[2,6]}}"#, data: [UInt8](repeating: 0, count: 6)), ["overlaps"]),
            ("gap", Self.file(header: #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[4,6]}}"#, data: [UInt8](repeating: 0, count: 6)), ["gap", "\"b\""]),
            ("shape and offsets disagree", Self.file(header: #"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data: eight), ["needs 12 bytes", "span 8"]),
            ("dtype size and offsets disagree", Self.file(header: #"{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}}"#, data: eight), ["needs 16 bytes"]),
            ("huge shape", Self.file(header: #"{"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}}"#, data: eight), ["larger than the file"]),
            ("negative shape", Self.file(header: #"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, data: eight), ["invalid shape"]),
            ("unknown dtype", Self.file(header: #"{"a":{"dtype":"F128","shape":[1],"data_offsets":[0,8]}}"#, data: eight), ["unknown dtype", "F128"]),
            ("missing dtype", Self.file(header: #"{"a":{"shape":[2],"data_offsets":[0,8]}}"#, data: eight), ["dtype"]),
            ("tensor not an object", Self.file(header: #"{"a":[1]}"#, data: []), ["\"a\""]),
            ("trailing bytes", Self.file(header: "{\(f32x2)}", data: eight + [9, 9]), ["2 trailing bytes"]),
            ("metadata not strings", Self.file(header: #"{"__metadata__":{"step":3}}"#, data: []), ["metadata", "step"]),
        ]
        for (i, (what, bytes, words)) in cases.enumerated() {
            let path = try dir.write("\(i).safetensors", bytes)
            let start = Date()
            do {
                _ = try Safetensors.read(path: path)
                XCTFail("\(what): accepted")
            } catch let error as DataError {
                XCTAssertEqual(error.path, path, what)
                for word in words { XCTAssertTrue(error.problem.contains(word), "\(what): \"\(error.problem)\" lacks \"\(word)\"") }
            }
            XCTAssertLessThan(Date().timeIntervalSince(start), 0.5, "\(what): refused at once")
        }
        assertDataError(try Safetensors.read(path: dir.file("none")), path: dir.file("none"), "not found")
        // An empty header object is a valid, empty file.
        let empty = try Safetensors.read(path: try dir.write("e.safetensors", Self.file(header: "{}      ", data: [])))
        XCTAssertTrue(empty.tensors.isEmpty && empty.metadata.isEmpty)
    }

    /// Shapes and offsets are JSON integers; 2.5 or true is a damaged header, not 2 or 1.
    func testRefusesNonIntegerNumbers() throws {
        let dir = try TemporaryFolder()
        for header in [#"{"a":{"dtype":"U8","shape":[2.5],"data_offsets":[0,2]}}"#,
                       #"{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2.7]}}"#,
                       #"{"a":{"dtype":"U8","shape":[true],"data_offsets":[0,1]}}"#] {
            let path = try dir.write("f.safetensors", Self.file(header: header, data: [1, 2]))
            XCTAssertThrowsError(try Safetensors.read(path: path), header)
        }
    }

    func testRefusesADirectoryClearly() throws {
        let dir = try TemporaryFolder()
        assertDataError(try Safetensors.read(path: dir.path), path: dir.path, "directory")
    }

    /// Python's safetensors reads what we write (the format's reference implementation).
    func testPythonReadsOurFiles() throws {
        let python = "/root/torchenv/bin/python"
        let dir = try TemporaryFolder()
        guard FileManager.default.isExecutableFile(atPath: python),
              (try? ChildProcess(python, ["-c", "import safetensors.numpy, numpy"], output: dir.file("probe.txt")).wait()) == 0 else {
            throw XCTSkip("no python with safetensors at \(python)")
        }
        let path = dir.file("p.safetensors")
        var sample = Self.sample()
        sample.tensors["brain"] = nil  // numpy has no bfloat16
        try sample.write(to: path)
        let script = """
        import json, sys
        from safetensors.numpy import load_file
        from safetensors import safe_open
        t = load_file(sys.argv[1])
        with safe_open(sys.argv[1], framework="numpy") as f:
            meta = f.metadata()
        print(json.dumps({"meta": meta, "tensors": {k: {"dtype": str(v.dtype), "shape": list(v.shape),
              "values": [float(x) for x in v.ravel().tolist()]} for k, v in t.items()}}))
        """
        let reader = try ChildProcess(python, ["-c", script, path], output: dir.file("read.json"), errors: .toFile(dir.file("read.err")))
        XCTAssertEqual(reader.wait(), 0, (try? String(contentsOfFile: dir.file("read.err"), encoding: .utf8)) ?? "")
        let out = reader.output
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        XCTAssertEqual(json["meta"] as? [String: String], sample.metadata)
        let tensors = try XCTUnwrap(json["tensors"] as? [String: [String: Any]])
        XCTAssertEqual(Set(tensors.keys), Set(sample.tensors.keys))
        let numpyType: [Safetensors.DType: String] = [.f32: "float32", .f64: "float64", .i64: "int64", .i32: "int32", .u8: "uint8", .i8: "int8", .f16: "float16", .bool: "bool"]
        for (name, t) in sample.tensors {
            let p = try XCTUnwrap(tensors[name])
            XCTAssertEqual(p["dtype"] as? String, numpyType[t.dtype], name)
            XCTAssertEqual(p["shape"] as? [Int], t.shape, name)
            let values = try XCTUnwrap(p["values"] as? [Double])
            if t.dtype == .i64 {
                // (int64 extremes do not survive Double; compare the ones that do)
                XCTAssertEqual(values.count, t.count)
                XCTAssertEqual(values[0..<3].map { $0 }, [1, 0, -1])
            } else {
                XCTAssertEqual(values, t.doubles(), name)
            }
        }
    }
}
