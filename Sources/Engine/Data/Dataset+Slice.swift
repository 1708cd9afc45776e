extension Dataset {
    /// Images `range` of the set, in order (one of several disjoint batches).
    public func slice(_ range: Range<Int>) -> Dataset {
        precondition(range.lowerBound >= 0 && range.upperBound <= count)
        return Dataset(
            name: name, shape: shape, classes: classes, images: Array(images[(range.lowerBound * imageSize)..<(range.upperBound * imageSize)]),
            labels: Array(labels[range]))
    }
}
