import Engine
import TestSupport
import XCTest
@testable import Explorer
@testable import MPO

/// The transect keys: v marks the start, the end, then clears; V joins a fixed plane's markers
/// A–B, B–C, A–C in turn; the session is asked for the profile through the outbox.
final class TransectStateTests: XCTestCase {
    func transectCommands(_ state: inout AppState) -> [Session.TransectEnds?] {
        state.takeCommands().compactMap { if case .setTransect(let e) = $0 { return .some(e) } else { return nil } }
    }

    func testMarkStartEndThenClear() throws {
        var state = try Fixtures.state(self)
        XCTAssertEqual(KeyMap.standard.action(for: .char("v"), in: .explorer), .markTransect)
        XCTAssertEqual(KeyMap.standard.action(for: .char("V"), in: .explorer), .cycleMarkerTransect)
        let a = state.camera.cursorPosition
        state.press("v")
        XCTAssertEqual(state.transectMarks.start?.row, a.row)
        XCTAssertEqual(state.transectMarks.start?.col, a.col)
        XCTAssertNil(state.transectMarks.end)
        XCTAssertTrue(transectCommands(&state).isEmpty, "one end is no segment yet")
        state.press("l", "l", "j")
        let b = state.camera.cursorPosition
        XCTAssertNotEqual(b.col, a.col)
        state.press("v")
        let want = Session.TransectEnds(start: a, end: b)
        XCTAssertEqual(state.transectMarks.ends, want)
        XCTAssertEqual(transectCommands(&state), [want])
        // a third press clears it, and the session drops the profile
        state.press("v")
        XCTAssertNil(state.transectMarks.start)
        XCTAssertNil(state.transectMarks.ends)
        XCTAssertEqual(transectCommands(&state), [nil])
        // V on an MPO plane: no markers, nothing set
        state.press("V")
        XCTAssertNil(state.transectMarks.ends)
        XCTAssertTrue(transectCommands(&state).isEmpty)
        XCTAssertTrue(state.notice?.text.contains("no markers") == true, "\(String(describing: state.notice))")
    }

    func testMarkerPairsCycleAndAnotherPlaneClears() throws {
        var state = try Fixtures.state(self)
        let models = (1...3).map { seed -> [Float] in
            var rng = Xoshiro256(seed: UInt64(seed))
            return ParameterLayout(.small).initialWeights(using: &rng)
        }
        let plane = try DirectionPlane.through(models[0], models[1], models[2], net: .small, dataset: .fashionMNIST, sources: ["a", "b", "c"])
        var s = state.snapshot!
        s.version += 1
        s.training.fixedPlane = Session.FixedPlane(plane, path: "/tmp/three.safetensors")
        _ = state.update(s)
        _ = state.takeCommands()
        XCTAssertEqual(plane.markers.map(\.name), ["A", "B", "C"])
        func at(_ k: Int) -> (row: Double, col: Double) { plane.frame.position(plane.markers[k].alpha, plane.markers[k].beta) }
        for (i, j) in [(0, 1), (1, 2), (0, 2), (0, 1)] {
            state.press("V")
            let want = Session.TransectEnds(start: at(i), end: at(j))
            XCTAssertEqual(state.transectMarks.ends, want, "pair \(i)-\(j)")
            XCTAssertEqual(transectCommands(&state), [want])
        }
        // v after a pair: the segment was complete, so it clears
        state.press("v")
        XCTAssertNil(state.transectMarks.ends)
        XCTAssertEqual(transectCommands(&state), [nil])
        // a set segment goes when another plane is shown
        state.press("V")
        _ = state.takeCommands()
        s.version += 1
        s.training.fixedPlane = nil
        _ = state.update(s)
        XCTAssertNil(state.transectMarks.ends)
        XCTAssertEqual(transectCommands(&state), [nil])
    }

    /// On a curve plane (`mpo curve`), V joins A-B, B-θ, A-θ and then follows the curve itself:
    /// the ends carry its path, and v after it clears as after a pair.
    func testCurvePlaneOffersTheCurveAfterItsMarkers() throws {
        var state = try Fixtures.state(self)
        let curve = Curve.bent(bend: 0.1)
        let plane = curve.plane(net: .small, dataset: .fashionMNIST, sources: ["a", "b"])
        var s = state.snapshot!
        s.version += 1
        s.training.fixedPlane = Session.FixedPlane(plane, path: "/tmp/curve.safetensors")
        _ = state.update(s)
        _ = state.takeCommands()
        XCTAssertEqual(plane.kind, .curve)
        func at(_ k: Int) -> (row: Double, col: Double) { plane.frame.position(plane.markers[k].alpha, plane.markers[k].beta) }
        for (i, j) in [(0, 1), (1, 2), (0, 2)] {
            state.press("V")
            let want = Session.TransectEnds(start: at(i), end: at(j))
            XCTAssertEqual(state.transectMarks.ends, want, "pair \(i)-\(j)")
            XCTAssertEqual(transectCommands(&state), [want])
        }
        state.press("V")
        let path = plane.trajectory.map { plane.frame.position($0.alpha, $0.beta) }
        let along = Session.TransectEnds(path: path)
        XCTAssertEqual(state.transectMarks.ends, along)
        XCTAssertEqual(transectCommands(&state), [along])
        XCTAssertNotEqual(along, Session.TransectEnds(start: at(0), end: at(1)), "the same ends, another transect")
        XCTAssertEqual(along.start.row, at(0).row, accuracy: 1e-9)
        XCTAssertEqual(along.end.col, at(1).col, accuracy: 1e-9)
        XCTAssertTrue(state.notice?.text.contains("along the curve") == true, "\(String(describing: state.notice))")
        // and round again to A-B
        state.press("V")
        XCTAssertEqual(state.transectMarks.ends, Session.TransectEnds(start: at(0), end: at(1)))
        XCTAssertNil(state.transectMarks.path)
    }
}
