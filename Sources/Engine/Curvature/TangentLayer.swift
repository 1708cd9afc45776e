/// One step of a network with its directional derivatives, for exact Hessian-vector products
/// (Pearlmutter's R-operator, "forward over backward"). For a direction v in weight space, R{q}
/// is the derivative of a quantity q along v: R{q} = d/dε q(w + εv) at ε = 0. A layer
///   - forward: y = f(x; w) and R{y} = ∂f/∂x · R{x} + ∂f/∂w · v;
///   - backward: from dy = ∂L/∂y and R{dy}, writes dx and R{dx}, and adds R{∂L/∂w} into `hv` —
///     summed over the layers that is H·v, the Hessian of the loss times v (and, when asked, the
///     gradient ∂L/∂w into `gradient`).
/// ReLU and max-pool are differentiated where they are linear (their masks and winners held), as
/// PyTorch's double backward does: the Hessian of the network with its kinks frozen.
///
/// Key to shapes as in `Layer`: N = images, C/F = channels in/out, H/W = sides. Conv-stack
/// activations are [C, N, H, W], dense ones [N, features]; every R{·} buffer has the shape of
/// the buffer it differentiates.
protocol TangentLayer: AnyObject {
    /// Floats per image in the output.
    var outputSize: Int { get }

    /// `rx` nil: the input is data (R{x} = 0), as for the first layer.
    func forward(
        x: UnsafePointer<Float>, rx: UnsafePointer<Float>?, y: UnsafeMutablePointer<Float>, ry: UnsafeMutablePointer<Float>,
        n: Int, weights: UnsafePointer<Float>, direction: UnsafePointer<Float>)

    /// `dy` and `rdy` may be overwritten. `dx` and `rdx` are nil for the first layer (nothing
    /// upstream needs them); then `rx` is nil too.
    func backward(
        x: UnsafePointer<Float>, rx: UnsafePointer<Float>?, y: UnsafePointer<Float>, ry: UnsafePointer<Float>,
        dy: UnsafeMutablePointer<Float>, rdy: UnsafeMutablePointer<Float>,
        dx: UnsafeMutablePointer<Float>?, rdx: UnsafeMutablePointer<Float>?, n: Int,
        weights: UnsafePointer<Float>, direction: UnsafePointer<Float>,
        hv: UnsafeMutablePointer<Float>, gradient: UnsafeMutablePointer<Float>?)
}
