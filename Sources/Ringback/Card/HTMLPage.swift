/// The page every HTML Ringback writes sits in (cards, digests, the link server's pages): one column at most 560 px
/// wide, inline styles (every mail client keeps those), light by default.
///
/// Dark too, where the mail app says the reader prefers it (Apple Mail, iOS Mail, Outlook on the web and the Mac): a
/// `prefers-color-scheme: dark` block recolours each colour the inline styles use, picked by the inline value, so
/// every element keeps a contrast of at least 4.5:1 (WCAG AA). Apps that ignore the block (Gmail) recolour the page
/// themselves or show it light.
enum HTMLPage {
    /// Each colour the pages use, in light and in dark. Text colours are read against `background`; the call button
    /// (white on green) keeps its own colours in both.
    enum Use { case background, text, border }

    static let palette: [(use: Use, light: String, dark: String)] = [
        (.background, "#ffffff", "#0d1117"),
        (.text, "#1f2328", "#e6edf3"),
        (.text, "#555555", "#b1bac4"),
        (.text, "#6e7781", "#9198a1"),
        (.text, "#b42318", "#ff7b72"),
        (.text, "#0969da", "#58a6ff"),
        (.border, "#cccccc", "#3d444d"),
        (.border, "#d0d7de", "#3d444d"),
    ]

    /// The dark block: each inline colour matched by its value (`[style*="color:#555555"]`) and replaced.
    static let darkStyle: String = {
        let rules = palette.map { entry -> String in
            switch entry.use {
            case .background:
                "body,[style*=\"background:\(entry.light)\"]{background:\(entry.dark) !important;color:#e6edf3 !important}"
            case .border:
                "[style*=\"solid \(entry.light)\"]{border-color:\(entry.dark) !important}"
            case .text:
                "[style*=\";color:\(entry.light)\"],[style^=\"color:\(entry.light)\"]{color:\(entry.dark) !important}"
            }
        }
        return "@media (prefers-color-scheme: dark){\(rules.joined())}"
    }()

    /// `title` is escaped here; `content` is HTML whose every value the caller has escaped.
    static func render(title: String, content: String) -> String {
        """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light dark"><meta name="supported-color-schemes" content="light dark"><title>\(MIMEEncoding.html(title))</title>
        <style>\(darkStyle)</style></head>
        <body style="margin:0;padding:16px;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1f2328;background:#ffffff">
        <div style="max-width:560px;margin:0 auto">
        \(content)
        </div></body></html>
        """
    }
}
