import Foundation
import TestSupport
import XCTest

/// `--net` descriptions and PyTorch models as a user gives them.
extension CLITests {
    static let torchFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/torch").path

    func testImpossibleNetsAreRefusedOnOneLine() throws {
        let cases: [(String, String)] = [
            ("conv 8,8,8,8,8 pool; dense 16", "5 max-pools shrink 28x28 images to nothing; at most 4 fit"),
            ("conv 0,8", "conv: 0 must be 1 or more"),
            ("input 3x32x32; conv 8", "a net for 3x32x32 images does not fit fashion-mnist, whose images are 1x28x28"),
            ("conv 2000", "too large: 2000 channels; at most 1024"),
            ("conv 8; dense 70000", "too large: dense size 70000; at most 65536"),
            ("conv 8; classes 5", "5 classes do not fit fashion-mnist, which has 10"),
            ("huge", "use a preset (paper, paper-bn, small, tiny) or a description"),
        ]
        for (net, reason) in cases {
            for command in [["train", "--steps", "1"], ["fit", "--steps", "1", "--save", "/tmp/never-written.safetensors"]] {
                let r = try run(command + ["--net", net])
                XCTAssertEqual(r.status, 64, "\(command[0]) \(net): \(r.error)")
                XCTAssertEqual(r.error.split(separator: "\n").count, 1, r.error)
                XCTAssertTrue(r.error.contains("--net '\(net)': ") && r.error.contains(reason), "\(command[0]) \(net): \(r.error)")
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/never-written.safetensors"))
    }

    /// A net of the user's own trains, is saved with its description, and reopens with it.
    func testAUserNetTrainsSavesAndRenders() throws {
        let dir = try temporaryFolder().path
        let plane = dir + "/own.safetensors"
        let canonical = "input 1x28x28; conv 4,8 bn pool; avgpool 2; dense 12; classes 10"
        let train = try run(["train", "--preset", "tiny", "--net", "conv 4, 8 pool bn; avgpool 2; dense 12", "--steps", "2",
                             "--eval-images", "50", "--preview-every", "0", "--save", plane])
        XCTAssertEqual(train.status, 0, train.error)
        XCTAssertTrue(train.output.contains("net '\(canonical)', P = "), train.output)
        let header = try String(contentsOfFile: plane, encoding: .isoLatin1).prefix(20_000)
        XCTAssertTrue(header.contains("\"net\":\"\(canonical)\""), String(header.prefix(2000)))
        let png = dir + "/own.png"
        let render = try run(["render", plane, "--out", png, "--eval-images", "50", "--rows", "6", "--cols", "6"])
        XCTAssertEqual(render.status, 0, render.error)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: png)).prefix(4), Data([0x89, 0x50, 0x4E, 0x47]))
        let info = try run(["info", plane])
        XCTAssertEqual(info.status, 0, info.error)
        XCTAssertTrue(info.output.contains("plane checkpoint, net '\(canonical)', P = "), info.output)
        // Resuming keeps the checkpoint's net.
        let more = try run(["train", "--resume", plane, "--steps", "1", "--eval-images", "50", "--preview-every", "0", "--save", plane])
        XCTAssertEqual(more.status, 0, more.error)
        XCTAssertTrue(more.output.contains("net '\(canonical)'"), more.output)
    }

    func testATorchStateDictOpensWithItsNet() throws {
        let model = Self.torchFolder + "/paper-net.safetensors"
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Self.torchFolder + "/paper-net.json"))) as! [String: Any]
        let loss = json["loss"] as! Double
        let t = try run(["transect", model, model, "--net", "conv 8,32,64 pool; dense 128", "--points", "2", "--eval-images", "1000"])
        XCTAssertEqual(t.status, 0, t.error)
        XCTAssertTrue(t.output.contains(String(format: "ends: loss %.4f", loss)), "PyTorch's loss \(loss): \(t.output)")
        let info = try run(["info", model])
        XCTAssertEqual(info.status, 0, info.error)
        XCTAssertTrue(info.output.contains("does not say its net") && info.output.contains("  classifier.fc2.bias [10]"), info.output)
        // Without the net, and with the wrong one (a table under the one-line error).
        let bare = try run(["transect", model, model, "--points", "2", "--eval-images", "10"])
        XCTAssertEqual(bare.status, 1, bare.error)
        XCTAssertTrue(bare.error.contains("give it with --net"), bare.error)
        let wrong = try run(["transect", model, model, "--net", "small", "--points", "2", "--eval-images", "10"])
        XCTAssertEqual(wrong.status, 1, wrong.error)
        let lines = wrong.error.split(separator: "\n")
        XCTAssertTrue(lines[0].hasPrefix("Error: \(model): its tensors do not match the net"), wrong.error)
        XCTAssertEqual(lines.count, 2 + 10, wrong.error)
    }
}

extension CLITests {
    /// `mpo info --net NET --plan`: the net's modules as PyTorch builds them, worked out by hand.
    func testThePlanAsJSON() throws {
        let r = try run(["info", "--net", "conv 4,8 bn pool; avgpool 2; dense 12", "--plan"])
        XCTAssertEqual(r.status, 0, r.error)
        let plan = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any], r.output)
        XCTAssertEqual(plan["net"] as? String, "input 1x28x28; conv 4,8 bn pool; avgpool 2; dense 12; classes 10")
        let modules = try XCTUnwrap(plan["modules"] as? [[String: Any]])
        let torch = modules.map { m -> String in
            let t = m["torch"] as! [String: Any]
            let options = (t["options"] as! [String: Int]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            return "\(t["type"]!)(" + ((t["arguments"] as! [Int]).map(String.init) + options).joined(separator: ", ") + ")"
        }
        XCTAssertEqual(torch, [
            "Conv2d(1, 4, kernel_size=3, padding=1)", "BatchNorm2d(4)", "ReLU()", "MaxPool2d(2, 2)",
            "Conv2d(4, 8, kernel_size=3, padding=1)", "BatchNorm2d(8)", "ReLU()", "MaxPool2d(2, 2)",
            "AdaptiveAvgPool2d(2)", "Flatten()", "Linear(32, 12)", "ReLU()", "Linear(12, 10)",
        ])
        XCTAssertEqual(modules.map { $0["output"] as! [Int] }, [
            [4, 28, 28], [4, 28, 28], [4, 28, 28], [4, 14, 14], [8, 14, 14], [8, 14, 14], [8, 14, 14], [8, 7, 7],
            [8, 2, 2], [32], [12], [12], [10],
        ])
        let parameters = modules.flatMap { $0["parameters"] as! [[String: Any]] }
        XCTAssertEqual(parameters.map { "\($0["name"]!):\(($0["shape"] as! [Int]).map(String.init).joined(separator: "x"))" }, [
            "0.weight:4x1x3x3", "0.bias:4", "1.weight:4", "1.bias:4", "4.weight:8x4x3x3", "4.bias:8", "5.weight:8", "5.bias:8",
            "10.weight:12x32", "10.bias:12", "12.weight:10x12", "12.bias:10",
        ])
        let counts = [36, 4, 4, 4, 288, 8, 8, 8, 384, 12, 120, 10]
        XCTAssertEqual(parameters.map { $0["offset"] as! Int }, counts.indices.map { counts.prefix($0).reduce(0, +) })
        XCTAssertEqual(plan["parameterCount"] as? Int, counts.reduce(0, +))
        let fanIns: [Int?] = [9, 9, nil, nil, 36, 36, nil, nil, 32, 32, 12, 12]
        XCTAssertEqual(parameters.map { $0["fanIn"] as? Int }, fanIns)
        let torchOffsets: [Double] = [0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0]
        XCTAssertEqual(parameters.map { ($0["torchOffset"] as! NSNumber).doubleValue }, torchOffsets, "BN's weight is stored as gamma - 1")
        let macs: Int = 4 * 9 * 784 + 8 * 36 * 196 + 32 * 12 + 12 * 10
        let flops = 2 * Double(macs)
        XCTAssertEqual((plan["forwardFlops"] as? NSNumber)?.doubleValue, flops)
        XCTAssertEqual(plan["engineLayers"] as? [[Int]], [[0, 0], [1, 2], [3, 3], [4, 4], [5, 6], [7, 7], [8, 9], [10, 11], [12, 12]])
        for arguments in [["info", "--plan"], ["info", "--net", "tiny", "--plan", Self.torchFolder + "/paper-net.safetensors"]] {
            let refused = try run(arguments)
            XCTAssertEqual(refused.status, 64, refused.error)
            XCTAssertEqual(refused.error.split(separator: "\n").count, 1, refused.error)
            XCTAssertTrue(refused.error.contains("--plan: describes the net given with --net"), refused.error)
        }
    }
}
