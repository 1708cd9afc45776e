/// Thick shapes for the shipped patterns and `mpo pattern generate`: MPO draws regions far better
/// than one-cell lines, so these come in widths of several cells, inset one cell from the border
/// so that their outer edges are trained too.
extension Pattern {
    /// A square frame `thickness` cells wide, inset by one cell; thickness 1 is `squareOutline`.
    public static func squareFrame(size: Int, thickness: Int) -> Pattern {
        Pattern(width: size, height: size, name: "square\(size)") { r, c in
            let inside = r >= 1 && r <= size - 2 && c >= 1 && c <= size - 2
            let hole = r >= 1 + thickness && r <= size - 2 - thickness && c >= 1 + thickness && c <= size - 2 - thickness
            return inside && !hole
        }
    }

    /// A plus sign with arms `thickness` cells wide, inset by one cell.
    public static func cross(size: Int, thickness: Int) -> Pattern {
        let bar = (size - thickness) / 2..<((size - thickness) / 2 + thickness)
        let arm = 1..<(size - 1)
        return Pattern(width: size, height: size, name: "cross\(size)") { r, c in
            bar.contains(r) && arm.contains(c) || bar.contains(c) && arm.contains(r)
        }
    }

    /// A checkerboard of `block` x `block` squares, black at the top left.
    public static func checker(size: Int, block: Int) -> Pattern {
        let b = max(1, block)
        return Pattern(width: size, height: size, name: "checker\(size)") { r, c in (r / b + c / b) % 2 == 0 }
    }
}
