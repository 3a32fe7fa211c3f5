extension Digest {
    /// The HTML part: one card per callback, readable at 360 px; the week as bars drawn with table cells (no images,
    /// so nothing is fetched and every mail client shows it), with the same figures in words beside it.
    public var html: String {
        let h = MIMEEncoding.html
        var body = ""
        for section in sections {
            let colour = section.alarm ? "#b42318" : "#1f2328"
            body +=
                #"<h2 style="margin:20px 0 8px;font-size:17px;color:\#(colour)">\#(h(section.title)) (\#(section.entries.count + section.notes.count))</h2>"#
            body += section.entries.map(card).joined()
            body += section.notes.map { #"<p style="margin:0 0 6px;font-size:14px;color:#b42318">\#(h($0))</p>"# }.joined()
        }
        if sections.isEmpty { body = #"<p style="color:#555555">Nothing is waiting and nothing came in.</p>"# }
        return HTMLPage.render(
            title: subject,
            content: """
                <h1 style="margin:0 0 8px;font-size:22px">\(h(subject))</h1>
                \(body)
                <h2 style="margin:24px 0 8px;font-size:17px;color:#1f2328">The last 7 days</h2>
                \(chart)
                <p style="margin:8px 0 0;font-size:14px;color:#555555">\(h(weekLine))</p>
                <p style="margin:24px 0 0;color:#6e7781;font-size:12px">Ringback digest</p>
                """)
    }

    /// One callback: who (the number a tap away), how they reached us, when it is due, what they said, the links.
    private func card(_ entry: Entry) -> String {
        let h = MIMEEncoding.html
        var who = entry.name.map { "<b>\(h($0))</b>" } ?? ""
        if let number = entry.number {
            let shown = entry.tel.map { #"<a href="\#(h($0))" style="color:#0969da;text-decoration:none">\#(h(number))</a>"# } ?? h(number)
            who += (who.isEmpty ? "" : " · ") + shown
        }
        let urgent = entry.urgent ? #" <span style="color:#b42318;font-weight:bold">URGENT</span>"# : ""
        var html = #"<div style="margin:0 0 10px;padding:10px 12px;border:1px solid #d0d7de;border-radius:8px">"#
        html += #"<div style="font-size:16px;color:#1f2328">\#(who)\#(urgent)</div>"#
        html += #"<div style="margin:2px 0 0;font-size:14px;color:#555555">\#(h(entry.how)) · #\#(entry.id)</div>"#
        html += #"<div style="margin:2px 0 0;font-size:14px;color:\#(entry.alarm ? "#b42318" : "#1f2328")">\#(h(entry.when))</div>"#
        if let gist = entry.gist {
            let label = gist.draft ? #"<span style="color:#6e7781">Draft: </span>"# : ""
            html += #"<div style="margin:6px 0 0;font-size:14px;color:#555555">\#(label)“\#(h(gist.words))”</div>"#
        }
        if let told = entry.told { html += #"<div style="margin:6px 0 0;font-size:13px;color:#6e7781">\#(h(told))</div>"# }
        if !entry.links.isEmpty {
            let links = entry.links.map {
                #"<a href="\#(h($0.url))" style="display:inline-block;margin:6px 6px 0 0;padding:4px 8px;border:1px solid #d0d7de;border-radius:6px;color:#0969da;text-decoration:none;font-size:13px">\#(h($0.label))</a>"#
            }
            html += "<div>\(links.joined())</div>"
        }
        return html + "</div>"
    }

    /// Seven bars, one a day: green for callbacks made on time, red for the rest of those due; the numbers under.
    private var chart: String {
        let days = week
        let most = max(1, days.map(\.due).max() ?? 1)
        let scale = 60.0 / Double(most)
        var bars = ""
        var labels = ""
        for day in days {
            let late = day.due - day.onTime
            var bar = ""
            if late > 0 { bar += #"<div style="width:28px;height:\#(Int((Double(late) * scale).rounded()))px;background:#cf222e"></div>"# }
            if day.onTime > 0 { bar += #"<div style="width:28px;height:\#(Int((Double(day.onTime) * scale).rounded()))px;background:#1a7f37"></div>"# }
            if day.due == 0 { bar = #"<div style="width:28px;height:2px;background:#d0d7de"></div>"# }
            bars += #"<td style="vertical-align:bottom;padding:0 4px;height:60px">\#(bar)</td>"#
            labels += #"<td style="padding:4px 4px 0;text-align:center;font-size:12px;color:#6e7781">\#(day.label)<br>\#(day.onTime)/\#(day.due)</td>"#
        }
        let legend =
            #"<p style="margin:6px 0 0;font-size:12px;color:#6e7781"><span style="color:#1a7f37">■</span> called back on time · <span style="color:#cf222e">■</span> late or not yet · under each day: on time / due</p>"#
        return #"<table role="presentation" cellpadding="0" cellspacing="0" style="border-collapse:collapse"><tr>\#(bars)</tr><tr>\#(labels)</tr></table>"#
            + legend
    }
}
