import Foundation
import Histogram

/// Self-contained HTML reports (inline SVG, no scripts or network): latency over time and
/// percentile curves.
enum HTMLReport {
    static func scenario(summary: ScenarioSummary, result: ScenarioRun.Result) -> String {
        render(
            title: "Scenario against \(summary.target)",
            verdict: (summary.passed, summary.verdict),
            table: summary.table(), json: (try? summary.json()) ?? "{}", timelineName: "Recommend",
            timeline: result.recommend.perSecond,
            series: [("Recommend (OK)", result.recommend.histogram, "#1f6fb4"), ("Recommend (all, failures at their time)", result.recommend.allCalls, "#7a9cc6"),
                     ("freshness", result.freshness.allCalls, "#d2691e")])
    }

    static func render(title: String, verdict: (passed: Bool, text: String)?, table: String, json: String, timelineName: String,
                       timeline perSecond: [Int: LatencyRecorder.Second],
                       series: [(String, Histogram<UInt64>, String)]) -> String {
        let verdictLine = verdict.map { verdict in
            "<p class=\"\(verdict.passed ? "pass" : "fail")\"><b>\(escape(verdict.text))</b></p>"
        } ?? ""
        return """
        <!doctype html>
        <html><head><meta charset="utf-8"><title>loadtest: \(escape(title))</title>
        <style>body{font-family:system-ui,sans-serif;margin:2em;max-width:980px}pre{background:#f4f4f4;padding:1em;overflow:auto}
        h2{margin-top:1.6em}.pass{color:#080}.fail{color:#b00}</style></head><body>
        <h1>\(escape(title))</h1>
        \(verdictLine)
        <pre>\(escape(table))</pre>
        <h2>\(escape(timelineName)) latency over time (worst per second, ms), calls per second (grey) and failed calls per second (red)</h2>
        \(timeline(perSecond))
        <h2>Percentiles (ms, log scale; x: 0 → 99.99%)</h2>
        \(percentiles(series))
        <h2>Figures as JSON</h2>
        <pre>\(escape(json))</pre>
        </body></html>
        """
    }

    private static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    private static let width = 900.0, height = 300.0, margin = 50.0

    private static func timeline(_ perSecond: [Int: LatencyRecorder.Second]) -> String {
        guard let last = perSecond.keys.max(), last >= 0 else { return "<p>no data</p>" }
        let seconds = Array(0...last)
        let worst = seconds.map { Double(perSecond[$0]?.worstMicros ?? 0) / 1000 }
        let counts = seconds.map { Double(perSecond[$0]?.count ?? 0) }
        let errors = seconds.map { Double(perSecond[$0]?.errors ?? 0) }
        let maxWorst = max(worst.max() ?? 1, 0.001), maxCount = max(counts.max() ?? 1, errors.max() ?? 1, 1)
        func x(_ i: Int) -> Double { margin + Double(i) / Double(max(last, 1)) * (width - 2 * margin) }
        let worstPath = seconds.map { "\(x($0)),\(height - margin - worst[$0] / maxWorst * (height - 2 * margin))" }.joined(separator: " ")
        let countPath = seconds.map { "\(x($0)),\(height - margin - counts[$0] / maxCount * (height - 2 * margin))" }.joined(separator: " ")
        let errorPath = seconds.map { "\(x($0)),\(height - margin - errors[$0] / maxCount * (height - 2 * margin))" }.joined(separator: " ")
        return """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-size="11">
        <rect x="\(margin)" y="\(margin)" width="\(width - 2 * margin)" height="\(height - 2 * margin)" fill="none" stroke="#999"/>
        <polyline points="\(countPath)" fill="none" stroke="#bbb"/>
        <polyline points="\(errorPath)" fill="none" stroke="#c00"/>
        <polyline points="\(worstPath)" fill="none" stroke="#1f6fb4" stroke-width="1.5"/>
        <text x="\(margin)" y="\(margin - 8)" fill="#1f6fb4">worst \(String(format: "%.2f", maxWorst)) ms</text>
        <text x="\(width - margin)" y="\(margin - 8)" text-anchor="end" fill="#888">calls/s up to \(Int(maxCount)); failed: <tspan fill="#c00">\(Int(errors.reduce(0, +)))</tspan></text>
        <text x="\(margin)" y="\(height - margin + 16)">0 s</text>
        <text x="\(width - margin)" y="\(height - margin + 16)" text-anchor="end">\(last) s</text>
        </svg>
        """
    }

    private static func percentiles(_ series: [(String, Histogram<UInt64>, String)]) -> String {
        let levels: [Double] = [0, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.95, 99.99]
        let values = series.map { _, histogram, _ in levels.map { Double(max(histogram.valueAtPercentile($0), 1)) / 1000 } }
        let all = values.flatMap { $0 }.filter { $0 > 0 }
        guard let low = all.min(), let high = all.max() else { return "<p>no data</p>" }
        let logLow = log10(low * 0.8), logHigh = log10(high * 1.25)
        // x: "number of nines" so the tail gets room: -log10(1 - p).
        func x(_ level: Double) -> Double { margin + min(4, -log10(max(1e-4, 1 - level / 100))) / 4 * (width - 2 * margin) }
        func y(_ value: Double) -> Double { height - margin - (log10(value) - logLow) / max(logHigh - logLow, 1e-9) * (height - 2 * margin) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-size=\"11\">"
        svg += "<rect x=\"\(margin)\" y=\"\(margin)\" width=\"\(width - 2 * margin)\" height=\"\(height - 2 * margin)\" fill=\"none\" stroke=\"#999\"/>"
        for level in [0.0, 90, 99, 99.9, 99.99] {
            svg += "<line x1=\"\(x(level))\" y1=\"\(margin)\" x2=\"\(x(level))\" y2=\"\(height - margin)\" stroke=\"#eee\"/>"
            svg += "<text x=\"\(x(level))\" y=\"\(height - margin + 16)\" text-anchor=\"middle\">\(level == 0 ? "0" : String(level))%</text>"
        }
        for (index, (name, histogram, color)) in series.enumerated() where histogram.totalCount > 0 {
            let points = zip(levels, values[index]).map { "\(x($0)),\(y($1))" }.joined(separator: " ")
            svg += "<polyline points=\"\(points)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"/>"
            svg += "<text x=\"\(margin + 8)\" y=\"\(margin + 16 + Double(index) * 14)\" fill=\"\(color)\">\(name): p50 \(String(format: "%.2f", values[index][3])) ms, p99 \(String(format: "%.2f", values[index][7])) ms</text>"
        }
        svg += "<text x=\"\(margin - 4)\" y=\"\(y(low))\" text-anchor=\"end\">\(String(format: "%.2f", low))</text>"
        svg += "<text x=\"\(margin - 4)\" y=\"\(y(high) + 10)\" text-anchor=\"end\">\(String(format: "%.2f", high))</text>"
        return svg + "</svg>"
    }
}
