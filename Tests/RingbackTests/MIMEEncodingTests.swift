import Foundation
import Testing

@testable import Ringback

@Suite struct MIMEEncodingTests {
    @Test func quotedPrintableKeepsEveryLineShortAndDecodesBack() {
        let text = String(repeating: "Bonjour, c'est José — rappelez-moi s'il vous plaît = merci. ", count: 8) + "\nend  "
        let encoded = MIMEEncoding.quotedPrintable(text)
        for line in encoded.components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 76)
            #expect(line.allSatisfy { $0.isASCII })
        }
        #expect(!encoded.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(encoded.hasSuffix("end =20"))
    }

    @Test func nonASCIIHeadersBecomeEncodedWordsOfLegalLength() {
        let value = MIMEEncoding.encodedHeaderValue("Voicemail from José Müller (+1 555-123-0000), 0:42 — call back by Tue 10:30 AM", prefixLength: 9)
        let lines = value.components(separatedBy: "\r\n")
        #expect(lines.count > 1)
        for (index, line) in lines.enumerated() {
            #expect(line.utf8.count + (index == 0 ? 9 : 0) <= 78)
            #expect(line.allSatisfy { $0.isASCII })
        }
    }

    @Test func headerValuesLoseLineBreaks() {
        #expect(MIMEEncoding.headerSafe("Eve\r\nBcc: x@y.com\u{0}") == "Eve Bcc: x@y.com")
    }

    @Test func htmlEscapesEverySpecialCharacter() {
        #expect(MIMEEncoding.html(#"<a href="x">'&'</a>"#) == "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;")
    }
}
