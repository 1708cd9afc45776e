/// Where the main screen's parts go for a terminal size.
///
///     row 0        title bar
///     rows 1..h-3  heatmap | side panel
///     row h-2      legend (colour scale) and the picture's age
///     row h-1      messages and key hints
public struct MainLayout: Hashable, Sendable {
    public var title: Rect
    public var map: Rect
    public var panel: Rect
    public var legend: Rect
    public var status: Rect

    /// Below this the screen says so instead of drawing garbage.
    public static let minimumWidth = 50
    public static let minimumHeight = 16

    public static func fits(width: Int, height: Int) -> Bool { width >= minimumWidth && height >= minimumHeight }

    public init(width: Int, height: Int) {
        let panelWidth = width >= 110 ? 40 : width >= 90 ? 34 : width >= 70 ? 28 : 0
        let body = max(0, height - 3)
        title = Rect(x: 0, y: 0, width: width, height: 1)
        let mapWidth = panelWidth > 0 ? width - panelWidth - 1 : width
        map = Rect(x: 0, y: 1, width: mapWidth, height: body)
        panel = Rect(x: width - panelWidth, y: 1, width: panelWidth, height: body)
        legend = Rect(x: 0, y: height - 2, width: width, height: 1)
        status = Rect(x: 0, y: height - 1, width: width, height: 1)
    }

    /// The heatmap area in pixels (two per character row).
    public var mapPixels: (width: Int, height: Int) { (map.width, map.height * 2) }
}
