import Ringback
import RingbackCore
import Testing

@Suite struct CallerIDTests {
    @Test(
        arguments: [
            ("\"Maria Lopez\" <+15551230000>", "Maria Lopez", "+15551230000"),
            ("Maria Lopez <+15551230000>", "Maria Lopez", "+15551230000"),
            ("<5551230000>", nil, "+15551230000"),
            ("5551230000", nil, "+15551230000"),
            ("+1 (555) 123-0000", nil, "+15551230000"),
            ("Unknown", nil, nil),
            ("\"Anonymous\" <anonymous>", nil, nil),
            ("Front Desk", "Front Desk", nil),
            ("", nil, nil),
            ("\"\" <1001>", nil, "1001"),
        ] as [(String, String?, String?)])
    func callerIDFormsFromAsterisk(raw: String, name: String?, number: String?) {
        let caller = CallerID(parsing: raw)
        #expect(caller.name == name)
        #expect(caller.number == number)
    }

    @Test func displayAndTelLinkForANorthAmericanNumber() {
        let caller = CallerID(parsing: "\"Maria Lopez\" <+15551230000>")
        #expect(caller.description == "Maria Lopez · (555) 123-0000")
        #expect(caller.telURI == "tel:+15551230000")
    }

    @Test func aWithheldNumberIsSaidPlainly() {
        #expect(CallerID(parsing: "Unknown").description == "Unknown caller")
        #expect(CallerID(parsing: "Unknown").telURI == nil)
    }

    @Test func controlCharactersNeverSurviveIntoTheName() {
        let caller = CallerID(parsing: "\"Eve\r\nBcc: victim@example.com\" <5551230000>")
        #expect(caller.name?.contains("\r") == false)
        #expect(caller.name?.contains("\n") == false)
        #expect(caller.number == "+15551230000")
    }
}
