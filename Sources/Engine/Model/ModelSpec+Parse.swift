import Foundation

/// A net read from text, e.g. `conv 8,32,64 pool; dense 128` (the paper net); `text` writes it back.
extension ModelSpec {
    /// The grammar, as every `--net` help text shows it (lines of at most 70 characters: help
    /// indents them by 8 and wraps at 80).
    public static let grammar = """
        A description is clauses separated by ';':
          input CxHxW      image channels and sides (default: the
                           dataset's: 1x28x28, or 3x32x32 for cifar10)
          conv C1,C2,...   3x3 convolutions, padding 1, each followed by
                           a ReLU; the words bn (BatchNorm before each
                           ReLU) and pool (2x2 max-pool after each) may
                           follow the channels
          avgpool K        adaptive average pool to KxK, 1...64 (default 4)
          dense H1,H2,...  hidden linear sizes after the flatten, each
                           with a ReLU (empty or left out: none)
          classes N        outputs of the last linear (default 10)
        e.g. 'conv 8,32,64 pool; dense 128' is the paper net.
        """

    /// The clause words, in the order the canonical text writes them.
    static let clauseWords = ["input", "conv", "avgpool", "dense", "classes"]

    /// Sizes above this are refused as text, whatever a program's own limits (which are lower):
    /// products of three sizes stay far from overflowing.
    public static let largestSize = 1 << 20

    /// Parses a description (see `grammar`); `input` is the image shape when it names none.
    /// Throws `Invalid` with a one-line reason naming the clause.
    public init(parsing text: String, input defaultInput: [Int] = [1, 28, 28]) throws {
        func fail(_ why: String) -> Invalid { Invalid(description: why) }
        let clauses = text.lowercased().split(separator: ";").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        guard !clauses.isEmpty else { throw fail("empty; describe a net as e.g. 'conv 8,32,64 pool; dense 128'") }
        var values: [String: String] = [:]
        for clause in clauses {
            let word = String(clause.prefix { !$0.isWhitespace })
            guard Self.clauseWords.contains(word) else {
                throw fail("unknown clause '\(word)'; a net is a preset or clauses \(Self.clauseWords.joined(separator: ", ")) separated by ';'")
            }
            guard values[word] == nil else { throw fail("'\(word)' is given twice") }
            values[word] = clause.dropFirst(word.count).trimmingCharacters(in: .whitespaces)
        }
        guard let convText = values["conv"] else { throw fail("no conv clause; a net needs at least one convolution, e.g. 'conv 8,32,64 pool'") }

        var input = defaultInput
        if let s = values["input"] {
            let parts = s.split(separator: "x", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 3 else { throw fail("input '\(s)': give channels and sides as CxHxW, e.g. 1x28x28") }
            input = try parts.map { try Self.size($0, "input") }
        }
        // conv: the sizes, then the words bn and pool in any order.
        var words = convText.split(whereSeparator: \.isWhitespace).map(String.init)
        var batchNorm = false, maxPool = false
        while let last = words.last, last.first?.isLetter == true {
            switch last {
            case "bn" where !batchNorm: batchNorm = true
            case "pool" where !maxPool: maxPool = true
            default: throw fail("conv: '\(last)' is not bn or pool (given once each, after the channels)")
            }
            words.removeLast()
        }
        let channels = try Self.sizes(words.joined(separator: " "), "conv")
        guard !channels.isEmpty else { throw fail("conv: no channels; give the output channels of each convolution, e.g. conv 8,32,64") }
        let side = try values["avgpool"].map { try Self.size($0, "avgpool") } ?? 4
        guard side <= 64 else { throw fail("avgpool \(side): the pool side must be 1...64") }
        let hidden = try values["dense"].map { try Self.sizes($0, "dense") } ?? []
        let classes = try values["classes"].map { try Self.size($0, "classes") } ?? 10
        guard classes >= 2 else { throw fail("classes \(classes): a classifier needs at least 2") }
        if maxPool {
            // Each 2x2 pool halves the sides, rounding down.
            let (h, w) = (input[1] >> channels.count, input[2] >> channels.count)
            if h == 0 || w == 0 {
                let fit = Int.bitWidth - 1 - min(input[1], input[2]).leadingZeroBitCount
                throw fail("conv pool: \(channels.count) max-pools shrink \(input[1])x\(input[2]) images to nothing; at most \(fit) fit")
            }
        }
        self.init(
            inputShape: input, convChannels: [input[0]] + channels, dense: [channels.last! * side * side] + hidden,
            batchNorm: batchNorm, maxPool: maxPool, adaptivePool: side, classes: classes)
        try validate()  // the checks above say why first; this guards what they might miss
    }

    /// "8,32,64" (spaces around the commas allowed); "" is no sizes.
    static func sizes(_ text: String, _ clause: String) throws -> [Int] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { return [] }
        return try trimmed.split(separator: ",", omittingEmptySubsequences: false).map {
            let s = $0.trimmingCharacters(in: .whitespaces)
            guard !s.contains(where: \.isWhitespace) else {
                throw Invalid(description: "\(clause): '\(trimmed)' is not a list of sizes; separate them with commas, e.g. 8,32,64")
            }
            return try size(s, clause)
        }
    }

    /// One size: a whole number 1...largestSize.
    static func size(_ text: String, _ clause: String) throws -> Int {
        guard !text.isEmpty, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber) else {
            throw Invalid(description: "\(clause): '\(text)' is not a whole number")
        }
        guard let n = Int(text), n <= largestSize else { throw Invalid(description: "\(clause): \(text) is too large (at most \(largestSize))") }
        guard n >= 1 else { throw Invalid(description: "\(clause): \(n) must be 1 or more") }
        return n
    }
}
