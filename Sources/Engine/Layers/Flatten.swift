import CKernels

/// The hand-over from the conv stack to the dense stack, in PyTorch's flatten order.
/// x: [C, N, S] -> y: [N, C*S] (S = pooled side squared).
final class Flatten: Layer {
    let channels: Int, spatial: Int

    var outputSize: Int { channels * spatial }

    init(channels: Int, spatial: Int) {
        self.channels = channels
        self.spatial = spatial
    }

    func forward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, n: Int, weights: UnsafePointer<Float>) {
        lp_cns_to_ncs(x, Int32(channels), Int32(n), Int32(spatial), y)
    }

    func backward(
        x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafeMutablePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, n: Int, weights: UnsafePointer<Float>,
        gradient: UnsafeMutablePointer<Float>
    ) {
        guard let dx else { return }
        lp_ncs_to_cns(dy, Int32(channels), Int32(n), Int32(spatial), dx)
    }
}
