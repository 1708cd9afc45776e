import Foundation
#if canImport(TestSupport)
import TestSupport  // scripts/fuzz.sh compiles Tests/TestSupport/Gzip.swift in with this file instead
#endif
@testable import Engine
@testable import MPO

/// The readers that take files from anyone, and how one input is fed to each. Shared by the
/// libFuzzer entry points (`Fuzz/<reader>.swift`, built by `scripts/fuzz.sh`) and by
/// `FuzzCorpusTests`, so a crash file replays in `make test` exactly as the fuzzer ran it.
///
/// The contract every reader keeps: on any bytes it returns a value or throws `DataError` —
/// never traps, hangs or allocates beyond what the file really holds.
enum ReaderHarness {
    enum Reader: String, CaseIterable {
        case pbm, png, idx, cifar, safetensors, checkpoint
        /// IDX through the gzip path: the input is gzipped (in two members when its first byte is
        /// odd) before the reader sees it, so mutations reach the IDX parser behind the inflater.
        case idxGzip = "idx-gz"
        /// A checkpoint's training configuration (JSON), put into an otherwise well-formed
        /// checkpoint with tensors of the size its net needs; what loads must also train a step.
        case checkpointConfig = "checkpoint-config"
    }

    enum Outcome: Equatable {
        case accepted
        case refused(DataError)
    }

    /// Writes `bytes` to `scratch` and reads it back through the reader's public path API.
    /// Errors other than `DataError` are rethrown: they break the contract.
    static func feed(_ reader: Reader, _ bytes: [UInt8], scratch: String) throws -> Outcome {
        let file = switch reader {
        case .idxGzip: Gzip.compress(bytes, members: bytes.first.map { $0 & 1 == 1 ? 2 : 1 } ?? 1)
        case .checkpointConfig: checkpoint(configJSON: bytes)
        default: bytes
        }
        write(file, to: scratch)
        do {
            switch reader {
            case .pbm:
                let p = try Pattern.readPBM(path: scratch)
                precondition(p.bits.count == p.width * p.height)
                _ = p.roles
            case .png:
                let p = try Pattern.fromPNG(PNG.read(path: scratch, checksCRC: false), path: scratch)
                precondition(p.bits.count == p.width * p.height)
            case .idx, .idxGzip:
                let (sizes, data) = try IDX.read(path: scratch)
                precondition(data.count == sizes.reduce(1, *))
            case .cifar:
                let (images, labels) = try CIFAR10.read(path: scratch)
                precondition(images.count == labels.count * 3072)
            case .safetensors:
                let file = try Safetensors.read(path: scratch)
                for (_, t) in file.tensors { precondition(t.doubles().count == t.count) }
            case .checkpoint:
                let c = try Checkpoint.read(path: scratch)
                precondition(c.state.plane.parameters.allSatisfy(\.isFinite))
                _ = c.state.plane.axes()
            case .checkpointConfig:
                let c = try Checkpoint.read(path: scratch)
                try trainOneStep(c)
            }
            return .accepted
        } catch let error as DataError {
            return .refused(error)
        }
    }

    // MARK: checkpoint-config

    static let configPattern = Pattern(width: 4, height: 4, bits: [1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1], name: "blocks")

    /// P of `net` with every product and sum checked (nil past 200,000: too big to fuzz quickly).
    static func parameterCount(_ net: ModelSpec) -> Int? {
        var p = 0
        let sizes = net.dense + [net.classes]
        let blocks = zip(net.convChannels, net.convChannels.dropFirst()).map { ($0.1, $0.0, 9, net.batchNorm ? 3 : 1) }
        for (a, b, k, extra) in blocks + zip(sizes.dropFirst(), sizes).map({ ($0.0, $0.1, 1, 1) }) {
            let (ab, o1) = a.multipliedReportingOverflow(by: b)
            let (abk, o2) = ab.multipliedReportingOverflow(by: k)
            let (e, o3) = a.multipliedReportingOverflow(by: extra)
            let (sum, o4) = p.addingReportingOverflow(abk)
            let (total, o5) = sum.addingReportingOverflow(e)
            guard !(o1 || o2 || o3 || o4 || o5), a >= 0, b >= 0, total <= 200_000 else { return nil }
            p = total
        }
        return p
    }

    /// The parameter table as ParameterLayout writes it, built from strings only (no arithmetic
    /// on the sizes, which may be anything here).
    static func table(_ net: ModelSpec) -> String {
        var entries: [String] = [], module = 0
        for (cin, cout) in zip(net.convChannels, net.convChannels.dropFirst()).prefix(64) {
            entries += ["\(module).weight:\(cout)x\(cin)x3x3", "\(module).bias:\(cout)"]
            module += 1
            if net.batchNorm { entries += ["\(module).weight:\(cout)", "\(module).bias:\(cout)"]; module += 1 }
            module += net.maxPool ? 2 : 1
        }
        module += 2
        let sizes = net.dense + [net.classes]
        for (i, (fin, fout)) in zip(sizes, sizes.dropFirst()).enumerated().prefix(64) {
            entries += ["\(module).weight:\(fout)x\(fin)", "\(module).bias:\(fout)"]
            module += i < sizes.count - 2 ? 2 : 1
        }
        return entries.joined(separator: ";")
    }

    /// A well-formed checkpoint around `configJSON`, with tensors sized for its net when that is small.
    static func checkpoint(configJSON: [UInt8]) -> [UInt8] {
        var base = TrainingConfig.tiny
        base.net = ModelSpec(convChannels: [1, 2], dense: [32])
        let config = (try? JSONDecoder().decode(TrainingConfig.self, from: Data(configJSON))) ?? base
        let p = parameterCount(config.net) ?? ParameterLayout(base.net).count
        var rng = Xoshiro256(seed: 5)
        let values = (0..<(3 * p + 1)).map { _ in Float(Int(rng.next() % 2001) - 1000) / 10_000 }
        var adam = Adam(count: 3 * p + 1, learningRate: 1e-3)
        adam.step = 2
        let plane = Plane(count: p, parameters: values, height: 4, width: 4)
        var file = Checkpoint(config: base, pattern: configPattern, state: Trainer.State(plane: plane, adam: adam, rng: rng)).file
        file.metadata["config"] = String(decoding: configJSON, as: UTF8.self)
        file.metadata["parameters"] = table(config.net)
        return file.serialized()
    }

    /// Builds a trainer for a loaded checkpoint on a few synthetic images and runs one step, when
    /// its buffers are small enough for a fuzzer (the limits of what loads are Checkpoint's).
    static func trainOneStep(_ c: Checkpoint) throws {
        let net = c.config.net
        guard net.inputShape.count == 3, net.inputShape.allSatisfy({ (1...4096).contains($0) }) else { return }
        var floats = Double(net.inputShape.reduce(1, *)), h = Double(net.inputShape[1]), w = Double(net.inputShape[2])
        var previous = Double(net.inputShape[0])
        for ch in net.convChannels.dropFirst() {
            floats += Double(ch) * h * w * 4 + previous * 9 * h * w
            if net.maxPool { h = (h / 2).rounded(.down); w = (w / 2).rounded(.down) }
            previous = Double(ch)
        }
        floats += net.dense.reduce(0) { $0 + Double($1) } * 4
        let bytes = floats * 4 * Double(c.config.batchSize) + Double(c.state.plane.count) * 4 * Double(2 * c.config.cells + 2)
        guard bytes < 64e6 else { return }
        let n = 4, size = net.inputShape.reduce(1, *)
        let images = (0..<(n * size)).map { Float($0 % 7) / 7 }
        let data = Dataset(name: "synthetic", shape: net.inputShape, classes: 10, images: images, labels: (0..<n).map { Int32($0 * 3 % 10) })
        let trainer = try Trainer(config: c.config, pattern: c.pattern, train: data, workers: 1, state: c.state)
        _ = trainer.step()
    }

    /// One libFuzzer execution: a broken contract stops the fuzzer with the input saved.
    static func fuzzOne(_ reader: Reader, _ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
        do {
            _ = try feed(reader, Array(UnsafeBufferPointer(start: data, count: count)), scratch: scratch)
        } catch {
            FileHandle.standardError.write("\(reader.rawValue): error outside the contract: \(type(of: error)): \(error)\n".data(using: .utf8)!)
            abort()
        }
        return 0
    }

    /// Plain write(2): no temporary file, no fsync — thousands of times a second.
    static func write(_ bytes: [UInt8], to path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        precondition(fd >= 0, "cannot write the scratch file \(path)")
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, bytes.count - done) }
            precondition(n > 0 || errno == EINTR, "cannot write the scratch file \(path)")
            done += max(0, n)
        }
    }

    /// In /dev/shm when there is one: a fuzzer writes it thousands of times a second.
    static let scratch: String = {
        let dir = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        return (dir as NSString).appendingPathComponent("lp-fuzz-\(getpid()).bin")
    }()
}
