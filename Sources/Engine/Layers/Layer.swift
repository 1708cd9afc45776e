/// One step of a network, forward and backward. Key to shapes: N = images in the batch,
/// C/F = input/output channels, H/W = spatial sides. Conv-stack activations are stored
/// [C, N, H, W] (channel-major across the batch; see lp_kernels.h), dense ones [N, features].
///
/// Activations belong to the `Network`; a layer reads `x` and writes `y`, and keeps only what its
/// backward pass needs beyond them (pool winners, batch statistics, a patch workspace).
/// Parameters are read from, and their gradients *added* into, flat vectors at the layer's offsets.
protocol Layer: AnyObject {
    /// Floats per image in the output.
    var outputSize: Int { get }

    func forward(x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>, n: Int, weights: UnsafePointer<Float>)

    /// `dy` may be overwritten. `dx` is nil when nothing upstream needs it (the first layer).
    func backward(
        x: UnsafePointer<Float>, y: UnsafePointer<Float>, dy: UnsafeMutablePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, n: Int, weights: UnsafePointer<Float>,
        gradient: UnsafeMutablePointer<Float>)
}
