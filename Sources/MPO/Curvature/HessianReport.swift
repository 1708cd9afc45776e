import Foundation

/// What `mpo hessian` found, batch by batch, and its summary: per eigenvalue (and the trace) the
/// mean over the batches and their standard deviation (the batch noise), as one JSON object.
public struct HessianReport: Sendable {
    /// One batch of images: its top eigenvalues and (when asked) its trace estimate.
    public struct Batch: Sendable {
        public var eigenvalues: [Double]
        public var residuals: [Double]
        public var steps: Int
        public var converged: Bool
        public var trace: HutchinsonTrace?
        public var loss: Double, accuracy: Double
        public init(eigenvalues: [Double], residuals: [Double], steps: Int, converged: Bool, trace: HutchinsonTrace?, loss: Double, accuracy: Double) {
            (self.eigenvalues, self.residuals, self.steps, self.converged) = (eigenvalues, residuals, steps, converged)
            (self.trace, self.loss, self.accuracy) = (trace, loss, accuracy)
        }
    }

    /// One parameter tensor's block: its top eigenvalue.
    public struct Layer: Sendable {
        public var name: String
        public var count: Int
        public var eigenvalue: Double
        public init(name: String, count: Int, eigenvalue: Double) { (self.name, self.count, self.eigenvalue) = (name, count, eigenvalue) }
    }

    public var method: HessianVectorProduct.Method
    public var split: String
    /// Images per batch.
    public var images: Int
    public var parameters: Int
    public var batches: [Batch] = []
    /// --per-layer, on the first batch.
    public var layers: [Layer] = []
    /// Where --density wrote its picture or table.
    public var density: String?
    public var products = 0
    /// Wall time of the Hessian's work (the model and the images already in memory).
    public var seconds = 0.0

    public init(method: HessianVectorProduct.Method, split: String, images: Int, parameters: Int) {
        (self.method, self.split, self.images, self.parameters) = (method, split, images, parameters)
    }

    /// Mean and sample standard deviation (0 for one value).
    public static func meanAndStd(_ x: [Double]) -> (mean: Double, std: Double) {
        let n = Double(x.count), m = x.reduce(0, +) / max(1, n)
        return (m, x.count > 1 ? (x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / (n - 1)).squareRoot() : 0)
    }

    /// Per rank, over the batches.
    public var eigenvalues: [(mean: Double, std: Double)] {
        let k = batches.map(\.eigenvalues.count).min() ?? 0
        return (0..<k).map { i in Self.meanAndStd(batches.map { $0.eigenvalues[i] }) }
    }

    public var trace: (mean: Double, std: Double)? {
        let t = batches.compactMap(\.trace)
        guard t.count == batches.count, !t.isEmpty else { return nil }
        return Self.meanAndStd(t.map(\.mean))
    }

    public var json: String {
        func number(_ x: Double) -> String { x.isFinite ? String(format: "%.8g", x) : "null" }
        func list(_ x: [Double]) -> String { "[" + x.map(number).joined(separator: ", ") + "]" }
        let e = eigenvalues
        var fields = [
            "\"eigenvalues\": \(list(e.map(\.mean)))",
            "\"trace\": \(trace.map { number($0.mean) } ?? "null")",
        ]
        if batches.count > 1 {
            fields.append("\"eigenvalues_std\": \(list(e.map(\.std)))")
            if let t = trace { fields.append("\"trace_std\": \(number(t.std))") }
            fields.append("\"batch_eigenvalues\": [" + batches.map { list($0.eigenvalues) }.joined(separator: ", ") + "]")
        } else if let t = batches.first?.trace {
            fields.append("\"trace_standard_error\": \(number(t.standardError))")
        }
        if let top = e.first?.mean, let t = trace?.mean, t != 0 { fields.append("\"top_over_trace\": \(number(top / t))") }
        fields += [
            "\"loss\": \(number(Self.meanAndStd(batches.map(\.loss)).mean))",
            "\"accuracy\": \(number(Self.meanAndStd(batches.map(\.accuracy)).mean))",
            "\"residuals\": \(list(batches.first?.residuals ?? []))",
            "\"lanczos_steps\": [" + batches.map { String($0.steps) }.joined(separator: ", ") + "]",
            "\"converged\": \(batches.allSatisfy(\.converged))",
            "\"method\": \"\(method.rawValue)\"", "\"split\": \"\(split)\"", "\"images\": \(images)", "\"batches\": \(batches.count)",
            "\"parameters\": \(parameters)", "\"hessian_vector_products\": \(products)", "\"seconds\": \(number(seconds))",
        ]
        if !layers.isEmpty {
            fields.append("\"per_layer\": [" + layers.map { "{\"name\": \"\($0.name)\", \"parameters\": \($0.count), \"eigenvalue\": \(number($0.eigenvalue))}" }.joined(separator: ", ") + "]")
        }
        if let density { fields.append("\"density\": \"\(density.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))\"") }
        return "{" + fields.joined(separator: ", ") + "}"
    }
}
