import Engine
import Foundation
import TestSupport
import XCTest
@testable import MPO

/// The explorer's transect, computed by the session's engine: its profile is `Transect` of the
/// same plane, ends, split and images, and the CLI's evaluator agrees with it.
final class SessionTransectTests: SessionTestCase {
    override var patience: Double { 120 }

    /// `Transect` computed here, outside the session, on the split's first `images` images.
    func direct(_ surface: some PlaneSurface, _ ends: Session.TransectEnds, net: ModelSpec, split: Split, images: Int, compute: Compute) throws -> Transect {
        let data = try DatasetKind.fashionMNIST.load(split).prefix(images)
        let evaluator = try Evaluator(net: net, data: data, workers: 3, compute: compute)
        return Transect(
            from: surface.weights(row: ends.start.row, col: ends.start.col), to: surface.weights(row: ends.end.row, col: ends.end.col),
            count: Session.transectPoints, evaluator: evaluator, data: data)
    }

    func assertSame(_ got: Session.TransectProfile, _ want: Transect, _ what: String) {
        XCTAssertEqual(got.transect.t.count, Session.transectPoints, what)
        XCTAssertEqual(got.transect.loss, want.loss, "\(what): loss")
        XCTAssertEqual(got.transect.accuracy, want.accuracy, "\(what): accuracy")
        XCTAssertEqual(got.transect.barrier.height, want.loss.max()! - (want.loss.first! + want.loss.last!) / 2, what)
        XCTAssertEqual(got.transect.accuracyDrop.height, (want.accuracy.first! + want.accuracy.last!) / 2 - want.accuracy.min()!, what)
    }

    /// A plane through three models, opened from its file: the profile from marker A to marker C on
    /// both splits, against `Transect` directly and against the evaluator on the ends' weight vectors (as `mpo transect` evaluates).
    func testProfileOfAFixedPlaneIsTransectOfItsEnds() throws {
        let (plane, models, session, opened) = try openThreeModelPlane(evalImages: 48)
        defer { session.stop() }
        let a = plane.frame.position(plane.markers[0].alpha, plane.markers[0].beta)
        let c = plane.frame.position(plane.markers[2].alpha, plane.markers[2].beta)
        let ends = Session.TransectEnds(start: a, end: c)
        session.send(.setTransect(ends))
        // on the map's images: a profile of others would never match them
        let test = waitFor(session, "the test profile on the map's images") {
            $0.transect?.ends == ends && $0.transect?.split == .test && $0.transect?.images == $0.map.images
        }.transect!
        XCTAssertGreaterThan(test.images, 0)
        assertSame(test, try direct(plane, ends, net: .small, split: .test, images: test.images, compute: opened.training.compute), "test split")
        // The ends are the models A and C themselves: the CLI's evaluator on them directly.
        let data = try DatasetKind.fashionMNIST.load(.test).prefix(test.images)
        let cli = try Evaluator(net: .small, data: data, workers: 2, compute: opened.training.compute)
        let ends2 = cli.evaluate([models[0], models[2]])
        XCTAssertEqual(test.transect.loss.first!, ends2[0].loss, accuracy: 1e-4 * max(1, ends2[0].loss))
        XCTAssertEqual(test.transect.loss.last!, ends2[1].loss, accuracy: 1e-4 * max(1, ends2[1].loss))

        session.send(.setSplit(.train))
        let train = waitFor(session, "the train profile") {
            $0.transect?.ends == ends && $0.transect?.split == .train && $0.transect?.images == $0.map.images
        }.transect!
        assertSame(train, try direct(plane, ends, net: .small, split: .train, images: train.images, compute: opened.training.compute), "train split")
        XCTAssertNotEqual(train.transect.loss, test.transect.loss, "another split, other numbers")

        session.send(.setTransect(nil))
        waitFor(session, "the profile to go") { $0.transect == nil }
    }

    /// A curve plane opened from its file: the profile along the curve (V's last choice) is the
    /// curve's own transect, its points evaluated from A, B and θ directly (the curve lies in the
    /// plane, so the plane's points are the curve's up to rounding).
    func testProfileAlongACurveIsTheCurvesTransect() throws {
        let curve = Curve.bent(bend: 0.5)
        let plane = curve.plane(net: .small, dataset: .fashionMNIST, sources: ["a", "b"])
        let path = home + "/Checkpoints/curve.safetensors"
        try plane.write(to: path)
        let options = Session.Options(
            config: .tiny, pattern: .ring(size: 8), evalImages: 48, workers: 2, folders: ProjectFolders(root: home), checkpoint: path)
        let session = Session(options: options)
        session.start()
        defer { session.stop() }
        let opened = waitFor(session, "the curve plane") { $0.training.fixedPlane != nil }
        XCTAssertEqual(opened.training.fixedPlane?.kind, .curve)
        let positions = opened.training.fixedPlane!.trajectory.map { plane.frame.position($0.alpha, $0.beta) }
        let along = Session.TransectEnds(path: positions)
        session.send(.setTransect(along))
        let got = waitFor(session, "the profile along the curve") {
            $0.transect?.ends == along && $0.transect?.split == .test && $0.transect?.images == $0.map.images
        }.transect!
        XCTAssertEqual(got.transect.t.count, Curve.pathPoints)
        let data = try DatasetKind.fashionMNIST.load(.test).prefix(got.images)
        let evaluator = try Evaluator(net: .small, data: data, workers: 2, compute: opened.training.compute)
        let want = Transect(along: curve, count: Curve.pathPoints, evaluator: evaluator)
        for k in stride(from: 0, to: Curve.pathPoints, by: 10) {
            XCTAssertEqual(got.transect.loss[k], want.loss[k], accuracy: 1e-3 * max(1, want.loss[k]), "t = \(want.t[k])")
        }
        // off the straight segment: the straight transect between the same ends differs
        let straight = Session.TransectEnds(start: along.start, end: along.end)
        session.send(.setTransect(straight))
        let line = waitFor(session, "the straight profile") { $0.transect?.ends == straight }.transect!
        XCTAssertNotEqual(line.transect.loss[Session.transectPoints / 2], got.transect.loss[Curve.pathPoints / 2])
    }

    /// An MPO plane (paused): the profile between two pattern cells against `Transect` on the
    /// plane as saved (the file holds the same floats).
    func testProfileOfAnMPOPlaneIsTransectOfItsEnds() throws {
        let session = Session.started(in: folders, evalImages: 40, paused: true)
        defer { session.stop() }
        let s0 = waitFor(session, "the session") { $0.status == .paused }
        let ends = Session.TransectEnds(start: (1, 2), end: (6.5, 5))
        session.send(.setTransect(ends))
        let profile = waitFor(session, "the profile") { $0.transect?.ends == ends }.transect!
        session.send(.save(name: "transect-plane"))
        let saved = waitFor(session, "the save") { $0.training.lastSavedPath != nil }
        guard case .mpo(let checkpoint) = try PlaneFile.read(path: saved.training.lastSavedPath!) else { return XCTFail("not an MPO plane") }
        XCTAssertEqual(checkpoint.step, profile.step)
        assertSame(profile, try direct(checkpoint.state.plane.surface, ends, net: TrainingConfig.tiny.net, split: .test, images: profile.images, compute: s0.training.compute), "MPO plane")
    }
}
