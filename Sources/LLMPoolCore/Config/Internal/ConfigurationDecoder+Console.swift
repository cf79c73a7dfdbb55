import TOMLKit

extension ConfigurationDecoder {
    /// `[console]`.
    func decodeConsole(_ t: TOMLTable) -> ConsoleConfiguration {
        let p = "console"
        reader.rejectUnknownKeys(t, at: p, known: ["enabled", "show_inputs", "decisions", "trace_link"])
        let d = ConsoleConfiguration.defaults
        var console = ConsoleConfiguration(
            enabled: reader.bool(t, "enabled", at: p, default: d.enabled),
            showInputs: reader.bool(t, "show_inputs", at: p, default: d.showInputs),
            decisions: reader.int(t, "decisions", at: p, default: d.decisions, range: 1...10_000)
        )
        if let link = reader.string(t, "trace_link", at: p), !link.isEmpty {
            let placeholder = ConsoleConfiguration.traceIDPlaceholder
            if !(link.hasPrefix("http://") || link.hasPrefix("https://")) {
                reader.report(reader.join(p, "trace_link"), "must be an http:// or https:// URL, found '\(link)'")
            } else if !link.contains(placeholder) {
                reader.report(reader.join(p, "trace_link"), "must contain \(placeholder), found '\(link)'")
            } else {
                console.traceLink = link
            }
        }
        return console
    }
}
