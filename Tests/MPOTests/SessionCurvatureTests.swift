import Engine
import Foundation
import TestSupport
import XCTest
@testable import MPO

/// The explorer's curvature at the cursor, computed by the session's engine on a thread of its
/// own: its λ1 is `HessianSpectrum.top` of the same weights on the same images, and a request
/// elsewhere replaces it.
final class SessionCurvatureTests: SessionTestCase {
    override var patience: Double { 180 }

    func testTopEigenvalueAtAPositionIsTheSpectrumsOfItsWeights() throws {
        let (plane, models, session, _) = try openThreeModelPlane(evalImages: 64)
        defer { session.stop() }
        let a = plane.frame.position(plane.markers[0].alpha, plane.markers[0].beta)
        let b = plane.frame.position(plane.markers[1].alpha, plane.markers[1].beta)

        // One request, then another before the first can finish: only the second is answered.
        session.send(.curvature(row: a.row, col: a.col))
        session.send(.curvature(row: b.row, col: b.col))
        let got = waitFor(session, "λ1 at B") { $0.curvature.map { $0.done && $0.row == b.row && $0.col == b.col } ?? false }.curvature!
        XCTAssertNil(got.failure)
        XCTAssertEqual(got.split, .test)
        XCTAssertEqual(got.images, 64)

        let data = try DatasetKind.fashionMNIST.load(.test).prefix(got.images)
        let want = try HessianSpectrum(net: .small, weights: plane.weights(row: b.row, col: b.col), data: data)
            .top(k: 1, maxSteps: CurvatureJob.maxProducts)
        let lambda = try XCTUnwrap(got.estimate)
        XCTAssertEqual(lambda, want.values[0], accuracy: 1e-6 * max(1, abs(want.values[0])))
        XCTAssertEqual(got.products, want.steps)
        // B is model b itself, whose curvature differs from A's: the answer is not A's.
        let atA = try HessianSpectrum(net: .small, weights: models[0], data: data).top(k: 1, maxSteps: CurvatureJob.maxProducts)
        XCTAssertNotEqual(lambda, atA.values[0], accuracy: 1e-3 * abs(atA.values[0]))

        // Another plane shown: the curvature of the old one goes.
        session.send(.train(.ring(size: 8)))
        waitFor(session, "the curvature to go with the plane") { $0.curvature == nil && $0.training.fixedPlane == nil }
    }
}
