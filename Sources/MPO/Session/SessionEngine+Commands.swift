extension SessionEngine {
    /// Hands a command to the part of the engine that owns what it changes.
    func handle(_ command: Session.Command) {
        switch command {
        case .setPaused(let p):
            planes.setPaused(p)
        case .togglePause:
            planes.setPaused(!planes.paused)
        case .setViewport(let v):
            map.setViewport(v, step: planes.active.trainer.step)
        case .setDetail(let k):
            map.detail = max(1, k)
        case .setSplit(let s):
            map.setSplit(s, step: planes.active.trainer.step)
        case .toggleBatchNorm:
            if planes.toggleBatchNorm() { planeReplaced(newView: false) }
        case .probe, .setTransect, .curvature:
            cursor.take(command)
        case .save(let name):
            planes.save(name: name)
        case .open(let path):
            if planes.open(path) { planeReplaced(newView: true) }
        case .train(let newPattern):
            if planes.startFresh(on: newPattern) { planeReplaced(newView: true) }
        case .recover(let ended):
            if planes.recover(ended) { planeReplaced(newView: true) }
        }
    }
}
