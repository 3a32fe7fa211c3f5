import Foundation
import Hummingbird

/// One page of the link server: a status, a title, a sentence and, for a question, its form. A refusal is thrown
/// as one and renders itself (`HTTPResponseError`), so every 4xx and 5xx reads like the rest of Ringback's pages.
struct LinkPage: HTTPResponseError, ResponseGenerator {
    let status: HTTPResponse.Status
    let title: String
    let text: String
    let extra: String

    init(_ status: HTTPResponse.Status, _ title: String, _ text: String, extra: String = "") {
        self.status = status
        self.title = title
        self.text = text
        self.extra = extra
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let h = MIMEEncoding.html
        let body = HTMLPage.render(title: title, content: #"<h1 style="font-size:22px">\#(h(title))</h1><p>\#(h(text))</p>\#(extra)"#)
        // A literal, valid header name: its initializer fails only on characters a token cannot hold.
        // swift-format-ignore: NeverForceUnwrap
        return Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .init("Referrer-Policy")!: "no-referrer"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
