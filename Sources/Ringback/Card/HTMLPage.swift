/// The page every HTML Ringback writes sits in (cards, digests, the link server's pages): one column at most 560 px
/// wide, inline styles only (mail clients drop `<style>`), declared light.
enum HTMLPage {
    /// `title` is escaped here; `content` is HTML whose every value the caller has escaped.
    static func render(title: String, content: String) -> String {
        """
        <!DOCTYPE html>
        <html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="color-scheme" content="light"><meta name="supported-color-schemes" content="light"><title>\(MIMEEncoding.html(title))</title></head>
        <body style="margin:0;padding:16px;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#1f2328;background:#ffffff">
        <div style="max-width:560px;margin:0 auto">
        \(content)
        </div></body></html>
        """
    }
}
