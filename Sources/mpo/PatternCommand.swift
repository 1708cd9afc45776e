import ArgumentParser
import Engine
import Foundation
import MPO

/// `mpo pattern`: make, inspect and import the black-and-white pictures MPO draws.
struct PatternCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pattern", abstract: "Generate, show and convert patterns.",
        discussion: """
            A pattern is a small black-and-white picture, stored as plain PBM (P1) text: 1 = black = a cell \
            where the plane must have low loss, 0 = white = high loss. Only edge cells are trained: a cell whose \
            whole 3x3 neighbourhood has its own colour is ignored, so draw regions at least 2-3 cells wide.
            """,
        subcommands: [Generate.self, Show.self, Convert.self, List.self])
}

extension PatternCommand {
    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Generate a pattern and write it as plain PBM.",
            discussion: """
                Kinds (sizes in cells):
                  ring           a ring between --inner and --outer radii
                                 (fractions of the side)
                  disk           a filled disk of radius --outer
                  square         a square outline inset one cell,
                                 --thickness wide (1: the paper's)
                  grid           --cells x --cells isolated black cells,
                                 --spacing apart (the paper's grid)
                  random-square  the paper's randomly filled square: a 1-cell
                                 outline whose interior is black with
                                 probability --p, seeded by --seed
                  noise          every cell black with probability --p
                  checker        a checkerboard of --block x --block squares
                  cross          a plus sign with arms --thickness wide
                """)

        enum Kind: String, ExpressibleByArgument, CaseIterable {
            case ring, disk, square, grid, randomSquare = "random-square", noise, checker, cross
        }

        @Argument(help: "What to draw (see above).") var kind: Kind
        @Option(help: "Side in cells, 3...512 (for noise: both sides unless --width/--height).") var size = 16
        @Option(help: "Width in cells, 3...512 (noise).") var width: Int?
        @Option(help: "Height in cells, 3...512 (noise).") var height: Int?
        @Option(help: "Outer radius as a fraction of the side, up to 0.71 (ring, disk).") var outer = 0.42
        @Option(help: "Inner radius as a fraction of the side, 0 up to --outer (ring).") var inner = 0.2
        @Option(help: "Line width in cells, 1 or more (square: default 1; cross: default 4).") var thickness: Int?
        @Option(help: "Block side in cells, 1 or more (checker).") var block = 4
        @Option(help: "Black cells per side (grid); cells x spacing must be 3...512.") var cells = 6
        @Option(help: "Distance between black cells, 1 or more (grid).") var spacing = 3
        @Option(help: "Probability of a black cell, 0...1 (random-square, noise).") var p = 0.5
        @Option(help: "Random seed (random-square, noise).") var seed: UInt64 = 1
        @Option(help: "Name written in the file's comment line (default: from the output file or the generator).") var name: String?
        @Option(name: .shortAndLong, help: "Write to this .pbm file instead of standard output.") var output: String?

        func validate() throws {
            let sides = Pattern.minSide...Pattern.maxSide
            try OptionCheck.outputFile("--output", output)
            let grid = cells.multipliedReportingOverflow(by: spacing)
            let side = grid.overflow ? Int.max : grid.partialValue
            let (w, h) = kind == .grid ? (side, side) : kind == .noise ? (width ?? size, height ?? size) : (size, size)
            guard sides.contains(w), sides.contains(h) else {
                throw ValidationError("a \(w)x\(h) pattern is outside \(sides.lowerBound)...\(sides.upperBound) cells per side")
            }
            guard (0...1).contains(p) else { throw ValidationError("--p must be between 0 and 1") }
            guard (0...0.71).contains(inner), (0...0.71).contains(outer), inner < outer else {
                throw ValidationError("radii must satisfy 0 <= --inner < --outer <= 0.71")
            }
            guard thickness.map({ $0 >= 1 }) ?? true, block >= 1, spacing >= 1, cells >= 1 else {
                throw ValidationError("--thickness, --block, --cells and --spacing must be at least 1")
            }
            try OptionCheck.count("--thickness", thickness, 1...Pattern.maxSide)
            try OptionCheck.count("--block", block, 1...Pattern.maxSide)
        }

        func run() throws {
            var pattern: Pattern
            switch kind {
            case .ring: pattern = .ring(size: size, outer: outer, inner: inner)
            case .disk: pattern = .ring(size: size, outer: outer, inner: 0)
            case .square: pattern = (thickness ?? 1) == 1 ? .squareOutline(size: size) : .squareFrame(size: size, thickness: thickness!)
            case .grid: pattern = .squareGrid(cells: cells, spacing: spacing)
            case .randomSquare: pattern = .randomlyFilledSquare(size: size, probability: p, seed: seed)
            case .noise: pattern = .random(width: width ?? size, height: height ?? size, probability: p, seed: seed)
            case .checker: pattern = .checker(size: size, block: block)
            case .cross: pattern = .cross(size: size, thickness: thickness ?? 4)
            }
            if let name {
                pattern.name = name
            } else if let output {
                pattern.name = ((output as NSString).lastPathComponent as NSString).deletingPathExtension
            }
            guard let output else {
                print(pattern.pbm, terminator: "")
                return
            }
            try pattern.writePBM(to: output)
            print("wrote \(output): \(pattern.countsSummary)")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a pattern and the cells training uses.",
            discussion: """
                Left: the pattern ('#' black, '.' white). Right: its ternary mask ('#' good cell, trained for low \
                loss; '.' bad cell, trained for high loss; ' ' ignored — its whole 3x3 neighbourhood has its colour).
                """)

        @Argument(help: "A .pbm or .png file, or the name of a shipped pattern (see `mpo pattern list`).") var pattern: String

        func run() throws {
            if pattern.lowercased().hasSuffix(".png") {
                print(try Pattern.readPNG(path: pattern).textReport)
            } else {
                print(try ProjectFolders.locate().loadPattern(pattern).textReport)
            }
        }
    }

    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import a PNG picture as a pattern.",
            discussion: """
                Ink (black) is the alpha channel if the picture uses transparency, else darkness (1 - luminance). \
                Each pattern cell takes the average ink over the area of the picture it covers; cells above \
                --threshold become black. Without --size, a picture of 3...128 pixels per side keeps its size and \
                larger ones are scaled to 32 cells on the long side.
                """)

        @Argument(help: "The PNG file (8-bit or lower, any colour type, not interlaced).") var input: String
        @Argument(help: "The pattern file to write (.pbm).") var output: String
        @Option(help: "Pattern size: WxH or N (square), sides 3...512.") var size: String?
        @Option(help: "Ink above this is black (0...1).") var threshold = 0.5
        @Flag(help: "Swap black and white.") var invert = false

        func validate() throws {
            guard (0...1).contains(threshold) else { throw ValidationError("--threshold must be between 0 and 1") }
            _ = try parsedSize()
            try OptionCheck.outputFile("output", output)
        }

        func parsedSize() throws -> (width: Int, height: Int)? {
            guard let size else { return nil }
            let parts = size.lowercased().split(separator: "x").map { Int($0) }
            let sides = Pattern.minSide...Pattern.maxSide
            guard (1...2).contains(parts.count), let w = parts[0], let h = parts.last!, sides.contains(w), sides.contains(h) else {
                throw OptionCheck.fail("--size", OptionCheck.shown(size), "must be WxH or N with sides \(sides.lowerBound)...\(sides.upperBound), e.g. 24x20")
            }
            return (w, h)
        }

        func run() throws {
            guard output.lowercased().hasSuffix(".pbm") else { throw DataError(output, "patterns are written as PBM; name the file .pbm") }
            let size = try parsedSize()
            var pattern = try Pattern.readPNG(path: input, width: size?.width, height: size?.height, threshold: threshold, invert: invert)
            pattern.name = ((output as NSString).lastPathComponent as NSString).deletingPathExtension
            try pattern.writePBM(to: output)
            print("wrote \(output) from \(input)")
            print(pattern.textReport)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the shipped patterns.")

        func run() throws {
            let folders = ProjectFolders.locate()
            let names = folders.shippedPatternNames()
            guard !names.isEmpty else { throw ValidationError("no patterns in \(folders.patterns)") }
            print("Patterns in \(folders.patterns):")
            let width = names.map(\.count).max()!
            for name in names {
                let line = name.padding(toLength: width, withPad: " ", startingAt: 0)
                do {
                    let p = try folders.loadPattern(name)
                    print("  \(line)  \(p.countsSummary)\(name == ProjectFolders.defaultPattern ? "  (the default)" : "")")
                } catch {
                    print("  \(line)  unreadable: \(error)")
                }
            }
        }
    }
}

extension Pattern {
    /// "20x20, 120 black + 280 white; trains 100 good + 120 bad cells"
    var countsSummary: String {
        let (good, bad) = trainedCells
        return "\(width)x\(height), \(blackCount) black + \(bits.count - blackCount) white; trains \(good.count) good + \(bad.count) bad cells"
    }

    /// The pattern and its ternary mask side by side (one above the other if too wide).
    var textReport: String {
        let roles = self.roles
        let picture = (0..<height).map { r in String((0..<width).map { self[r, $0] ? "#" : "." }) }
        let mask = (0..<height).map { r in
            String((0..<width).map { c -> Character in
                switch roles[r * width + c] {
                case .good: "#"
                case .bad: "."
                case .ignored: " "
                }
            })
        }
        let (good, bad) = trainedCells
        var s = "\(name): \(width)x\(height), \(blackCount) black + \(bits.count - blackCount) white\n"
        s += "mask: \(good.count) good (#), \(bad.count) bad (.), \(bits.count - good.count - bad.count) ignored ( )\n\n"
        let gap = "    "
        if 2 * width + gap.count <= 120 {
            s += "pattern".padding(toLength: width + gap.count, withPad: " ", startingAt: 0) + "mask\n"
            for (a, b) in zip(picture, mask) { s += a + gap + b + "\n" }
        } else {
            s += "pattern\n" + picture.joined(separator: "\n") + "\n\nmask\n" + mask.joined(separator: "\n") + "\n"
        }
        return s
    }
}
