import Foundation
import Ringback
import RingbackCore
import Testing

/// The E.164 form is the key repeat callers fold on and call-detail records match against, so every accepted form
/// is pinned to an exact key, and every rejected one to `.unknown` rather than a guess.
@Suite struct PhoneNumberTests {
    // MARK: - North America

    @Test(arguments: [
        "(555) 123-0000",
        "555-123-0000",
        "555.123.0000",
        "555/123-0000",
        "5551230000",
        "15551230000",
        "1 555 123 0000",
        "1-555-123-0000",
        "+15551230000",
        "+1 (555) 123-0000",
        "(+1) 555 123 0000",
        "+1 555\u{2013}123\u{2013}0000",
        "  +1 555 123 0000\n",
        "011 1 555 123 0000",
    ])
    func everyNorthAmericanFormFoldsToOneKey(raw: String) {
        let number = PhoneNumber(parsing: raw)
        #expect(number.kind == .e164)
        #expect(number.e164 == "+15551230000")
        #expect(number.extensionNumber == nil)
        #expect(number.display() == "(555) 123-0000")
        #expect(number.telURI == "tel:+15551230000")
        #expect(number.raw == raw)
    }

    @Test(
        arguments: [
            ("+1 212 555 0100", "+12125550100", "(212) 555-0100"),
            ("12125550100", "+12125550100", "(212) 555-0100"),
            ("2125550100", "+12125550100", "(212) 555-0100"),
            ("+1 416 555 0100", "+14165550100", "(416) 555-0100"),
            ("1 800 555 0100", "+18005550100", "(800) 555-0100"),
            ("011 44 20 7946 0018", "+442079460018", "+44 20 7946 0018"),
            ("+44 20 7946 0018", "+442079460018", "+44 20 7946 0018"),
            ("+81 3 1234 5678", "+81312345678", "+81 3-1234-5678"),
            ("+55 11 98765 4321", "+5511987654321", "+55 11 98765-4321"),
            ("+48 22 123 45 67", "+48221234567", "+48 221 234 567"),
            ("+7 912 345 6789", "+79123456789", "+7 912 345 6789"),
            ("+683 4002", "+6834002", "+683 4002"),
        ] as [(String, String, String)])
    func anAmericanOwnerSeesHomeNumbersNationallyAndForeignOnesInternationally(raw: String, e164: String, display: String) {
        let number = PhoneNumber(parsing: raw, country: "US")
        #expect(number.kind == .e164)
        #expect(number.e164 == e164)
        #expect(number.display(country: "US") == display)
        #expect(PhoneNumber(parsing: display, country: "US").e164 == e164)
    }

    @Test(arguments: [
        "1234567890",  // area code cannot start with 1
        "0125550100",  // nor with 0
        "11234567890",
        "+1 123 456 7890",
        "+1 555 0100",  // seven digits: no area code to assume
        "555 0100",
        "1 555 123 00001",
    ])
    func aNumberThatBreaksNorthAmericanRulesIsNotGuessed(raw: String) {
        let number = PhoneNumber(parsing: raw, country: "US")
        #expect(number.kind == .unknown)
        #expect(number.e164 == nil)
    }

    // MARK: - International prefixes

    @Test(
        arguments: [
            ("011 44 20 7946 0018", "US", "+442079460018"),
            ("011 49 30 12345678", "CA", "+493012345678"),
            ("0044 20 7946 0018", "GB", "+442079460018"),
            ("00 1 212 555 0100", "DE", "+12125550100"),
            ("00 33 1 23 45 67 89", "FR", "+33123456789"),
            ("0011 44 20 7946 0018", "AU", "+442079460018"),
            ("010 1 212 555 0100", "JP", "+12125550100"),
            ("0044 20 7946 0018", "US", "+442079460018"),  // lenient: "00" is not NANP's prefix but the result is valid
            ("00 44 20 7946 0018", "AU", "+442079460018"),
            ("00442079460018", "ZZ", "+442079460018"),  // no rules for the owner: "00" is assumed
        ] as [(String, String, String)])
    func theOwnersInternationalPrefixBecomesAPlus(raw: String, country: String, e164: String) {
        let number = PhoneNumber(parsing: raw, country: country)
        #expect(number.kind == .e164)
        #expect(number.e164 == e164)
    }

    // MARK: - National numbers

    @Test(
        arguments: [
            ("020 7946 0018", "GB", "+442079460018", "020 7946 0018", "+44 20 7946 0018"),
            ("07700 900123", "GB", "+447700900123", "07700 900123", "+44 7700 900123"),
            ("0161 496 0000", "GB", "+441614960000", "0161 496 0000", "+44 161 496 0000"),
            ("0800 1111", "GB", "+448001111", "0800 1111", "+44 800 1111"),
            ("030 12345678", "DE", "+493012345678", "030 12345678", "+49 30 12345678"),
            ("(0221) 123456", "DE", "+49221123456", "0221 123456", "+49 221 123456"),
            ("0171 1234567", "DE", "+491711234567", "0171 1234567", "+49 171 1234567"),
            ("01 23 45 67 89", "FR", "+33123456789", "01 23 45 67 89", "+33 1 23 45 67 89"),
            ("06 12 34 56 78", "FR", "+33612345678", "06 12 34 56 78", "+33 6 12 34 56 78"),
            ("02 9876 5432", "AU", "+61298765432", "02 9876 5432", "+61 2 9876 5432"),
            ("0412 345 678", "AU", "+61412345678", "0412 345 678", "+61 412 345 678"),
            ("020 123 4567", "NL", "+31201234567", "020 123 4567", "+31 20 123 4567"),
            ("06 12345678", "NL", "+31612345678", "06 12345678", "+31 6 12345678"),
            ("01 234 5678", "IE", "+35312345678", "01 234 5678", "+353 1 234 5678"),
            ("087 123 4567", "IE", "+353871234567", "087 123 4567", "+353 87 123 4567"),
            ("09 123 4567", "NZ", "+6491234567", "09 123 4567", "+64 9 123 4567"),
            ("044 668 18 00", "CH", "+41446681800", "044 668 18 00", "+41 44 668 18 00"),
            ("01 2345678", "AT", "+4312345678", "01 2345678", "+43 1 2345678"),
            ("0316 123456", "AT", "+43316123456", "0316 123456", "+43 316 123456"),
            ("02 123 45 67", "BE", "+3221234567", "02 123 45 67", "+32 2 123 45 67"),
            ("0470 12 34 56", "BE", "+32470123456", "0470 12 34 56", "+32 470 12 34 56"),
            ("08 123 456 78", "SE", "+46812345678", "08 123 456 78", "+46 8 123 456 78"),
            ("070 123 45 67", "SE", "+46701234567", "070 123 45 67", "+46 70 123 45 67"),
            ("912 345 678", "ES", "+34912345678", "912 345 678", "+34 912 345 678"),
            ("612 34 56 78", "ES", "+34612345678", "612 345 678", "+34 612 345 678"),
            ("06 1234 5678", "IT", "+390612345678", "06 1234 5678", "+39 06 1234 5678"),
            ("333 123 4567", "IT", "+393331234567", "333 123 4567", "+39 333 123 4567"),
            ("32 12 34 56", "DK", "+4532123456", "32 12 34 56", "+45 32 12 34 56"),
            ("412 34 567", "NO", "+4741234567", "412 34 567", "+47 412 34 567"),
            ("22 12 34 56", "NO", "+4722123456", "22 12 34 56", "+47 22 12 34 56"),
            ("55 1234 5678", "MX", "+525512345678", "55 1234 5678", "+52 55 1234 5678"),
            ("098765 43210", "IN", "+919876543210", "098765 43210", "+91 98765 43210"),
            ("98765 43210", "IN", "+919876543210", "098765 43210", "+91 98765 43210"),
            ("011 2345 6789", "IN", "+911123456789", "011 2345 6789", "+91 11 2345 6789"),
            ("03-1234-5678", "JP", "+81312345678", "03-1234-5678", "+81 3-1234-5678"),
            ("090-1234-5678", "JP", "+819012345678", "090-1234-5678", "+81 90-1234-5678"),
            ("(11) 98765-4321", "BR", "+5511987654321", "(11) 98765-4321", "+55 11 98765-4321"),
            ("0 11 2345 6789", "BR", "+551123456789", "(11) 2345-6789", "+55 11 2345-6789"),
            ("416-555-0100", "CA", "+14165550100", "(416) 555-0100", "(416) 555-0100"),
        ] as [(String, String, String, String, String)])
    func aNationalNumberFollowsTheOwnersCountry(
        raw: String, country: String, e164: String, atHome: String, fromTheUS: String
    ) {
        let number = PhoneNumber(parsing: raw, country: country)
        #expect(number.kind == .e164)
        #expect(number.e164 == e164)
        #expect(number.display(country: country) == atHome)
        #expect(number.display(country: "US") == fromTheUS)
        // The same caller in international form is the same key and reads the same at home.
        let international = PhoneNumber(parsing: e164, country: country)
        #expect(international.e164 == e164)
        #expect(international.display(country: country) == atHome)
        // What the card shows, typed back in, reaches the same caller.
        #expect(PhoneNumber(parsing: atHome, country: country).e164 == e164)
        #expect(PhoneNumber(parsing: fromTheUS, country: "US").e164 == e164)
    }

    @Test(
        arguments: [
            ("020 7946 0018", "US"),  // a UK national number means nothing to an American PBX
            ("2079460018", "GB"),  // a UK national number without its trunk 0
            ("06 1234 5678", "ES"),
            ("12 34 56 78", "DK"),  // Danish numbers never start with 1
            ("0412 345 67", "AU"),
            ("01 23 45 67", "FR"),
            ("+81 10 245 4387", "JP"),  // 010 is Japan's international prefix, so no number starts with it
            ("+39 00 2205 398", "IT"),  // nor can an Italian landline start 00
        ] as [(String, String)])
    func aNumberThatIsNotValidInTheOwnersCountryIsUnknown(raw: String, country: String) {
        #expect(PhoneNumber(parsing: raw, country: country).kind == .unknown)
    }

    @Test(
        arguments: [
            ("442079460018", "GB", "+442079460018"),
            ("4402079460018", "GB", "+442079460018"),
            ("4930 12345678", "DE", "+493012345678"),
            ("34912345678", "ES", "+34912345678"),
            ("61298765432", "AU", "+61298765432"),
            ("5511987654321", "BR", "+5511987654321"),
        ] as [(String, String, String)])
    func theOwnersCallingCodeWithoutAPlusIsAccepted(raw: String, country: String, e164: String) {
        #expect(PhoneNumber(parsing: raw, country: country).e164 == e164)
    }

    @Test func aForeignCallingCodeWithoutAPlusIsNotGuessed() {
        #expect(PhoneNumber(parsing: "442079460018", country: "US").kind == .unknown)
    }

    // MARK: - Outside-line prefixes

    @Test(
        arguments: [
            ("9 1 212 555 0100", "US", ["9"], "+12125550100"),
            ("9 212 555 0100", "US", ["9"], "+12125550100"),
            ("915551230000", "US", ["9"], "+15551230000"),
            ("9 011 44 20 7946 0018", "US", ["9"], "+442079460018"),
            ("99 1 212 555 0100", "US", ["9", "99"], "+12125550100"),
            ("919 555 0100", "US", ["9"], "+19195550100"),  // area code 919, not prefix 9 + 9 digits
            ("+91 98765 43210", "US", ["9"], "+919876543210"),  // never stripped after a "+"
            ("9 020 7946 0018", "GB", ["9"], "+442079460018"),
            ("0 030 12345678", "DE", ["0"], "+493012345678"),  // not "00" + Greece
            ("0 0044 20 7946 0018", "DE", ["0"], "+442079460018"),
            ("030 12345678", "DE", ["0"], "+493012345678"),  // the PBX did not prepend its prefix this time
        ] as [(String, String, [String], String)])
    func anOutsideLinePrefixIsStrippedOnlyWhenACompleteNumberRemains(
        raw: String, country: String, dialPrefixes: [String], e164: String
    ) {
        let number = PhoneNumber(parsing: raw, country: country, dialPrefixes: dialPrefixes)
        #expect(number.kind == .e164)
        #expect(number.e164 == e164)
        #expect(number.raw == raw)
    }

    @Test func anOutsideLinePrefixIsStrippedButAnExtensionIsNot() {
        let viaPrefix = PhoneNumber(parsing: "9 1001", dialPrefixes: ["9"])
        #expect(viaPrefix.kind == .extension)
        #expect(viaPrefix.extensionNumber == "91001")
        let plain = PhoneNumber(parsing: "1001", dialPrefixes: ["9"])
        #expect(plain.kind == .extension)
        #expect(plain.extensionNumber == "1001")
        #expect(PhoneNumber(parsing: "9", dialPrefixes: ["9"]).kind == .unknown)
        #expect(PhoneNumber(parsing: "9 555 0100", dialPrefixes: ["9"]).kind == .unknown)
        #expect(PhoneNumber(parsing: "9 1 212 555 0100", dialPrefixes: ["", "x9", "9"]).e164 == "+12125550100")
    }

    // MARK: - Trunk prefixes in international form

    @Test(
        arguments: [
            ("+44 (0)20 7946 0018", "US", "+442079460018", "+44 20 7946 0018"),
            ("+44 (0) 20 7946 0018", "GB", "+442079460018", "020 7946 0018"),
            ("0044 (0)20 7946 0018", "GB", "+442079460018", "020 7946 0018"),
            ("+49 (0)30 12345678", "DE", "+493012345678", "030 12345678"),
            ("+44 020 7946 0018", "US", "+442079460018", "+44 20 7946 0018"),
            ("+39 (0)6 1234 5678", "US", "+390612345678", "+39 06 1234 5678"),  // Italy's 0 is part of the number
            ("+52 1 55 1234 5678", "US", "+525512345678", "+52 55 1234 5678"),  // Mexico's retired mobile "1"
            ("+48 (0)22 123 45 67", "US", "+48221234567", "+48 221 234 567"),  // no rules for PL, convention still holds
        ] as [(String, String, String, String)])
    func aTrunkPrefixLeftInAnInternationalNumberIsDropped(raw: String, country: String, e164: String, display: String) {
        let number = PhoneNumber(parsing: raw, country: country)
        #expect(number.e164 == e164)
        #expect(number.display(country: country) == display)
    }

    // MARK: - Extensions, withheld, unknown

    @Test(
        arguments: [
            ("1001", "US", "1001"),
            ("42", "US", "42"),
            ("123456", "US", "123456"),
            ("10-01", "US", "1001"),
            (" 2001 ", "US", "2001"),
            ("1001", "GB", "1001"),
            ("4321", "DE", "4321"),
            ("3001", "IT", "3001"),
            ("5555", "ES", "5555"),
            ("1001", "ZZ", "1001"),
        ] as [(String, String, String)])
    func aShortDigitStringIsAnInternalExtension(raw: String, country: String, digits: String) {
        let number = PhoneNumber(parsing: raw, country: country)
        #expect(number.kind == .extension)
        #expect(number.extensionNumber == digits)
        #expect(number.e164 == nil)
        #expect(number.display(country: country) == "Ext. \(digits)")
        #expect(number.telURI == nil)
    }

    @Test func extensionLengthsAreBoundedByTheirConstants() {
        let longest = String(repeating: "7", count: PhoneNumber.maximumExtensionLength)
        #expect(PhoneNumber(parsing: longest).kind == .extension)
        #expect(PhoneNumber(parsing: longest + "7").kind == .unknown)
        let shortest = String(repeating: "7", count: PhoneNumber.minimumExtensionLength)
        #expect(PhoneNumber(parsing: shortest).kind == .extension)
        #expect(PhoneNumber(parsing: String(shortest.dropLast())).kind == .unknown)
    }

    @Test(arguments: [
        "anonymous", "Anonymous", "ANONYMOUS", " Anonymous ", "private", "Private", "restricted", "Restricted",
        "withheld", "unavailable",
    ])
    func aHiddenCallerIsWithheld(raw: String) {
        let number = PhoneNumber(parsing: raw)
        #expect(number.kind == .withheld)
        #expect(number.e164 == nil)
        #expect(number.display() == "Withheld number")
        #expect(number.telURI == nil)
        #expect(number.raw == raw)
    }

    @Test(arguments: [
        "", "   ", "unknown", "Unknown", "asterisk", "-", "0", "9", "000", "0000000000", "abc", "+", "++15551230000",
        "1234567890123456789", "+1234567890123456", "1-800-FLOWERS", "*97", "#31#5551230000", "1+2125550100",
        "+999 1234 5678", "+0 20 7946 0018", "+44 1234", "sip:1001@pbx.example.com", "\u{663}\u{663}\u{663}\u{663}",
        "555\u{0}1230000",
    ])
    func placeholdersAndGarbageAreUnknown(raw: String) {
        let number = PhoneNumber(parsing: raw)
        #expect(number.kind == .unknown)
        #expect(number.e164 == nil)
        #expect(number.extensionNumber == nil)
        #expect(number.display() == "Unknown number")
        #expect(number.telURI == nil)
        #expect(number.raw == raw)
    }

    @Test func withoutRulesForTheOwnersCountryOnlyInternationalFormsAreNumbers() {
        #expect(PhoneNumber(parsing: "+44 20 7946 0018", country: "ZZ").e164 == "+442079460018")
        #expect(PhoneNumber(parsing: "2125550100", country: "ZZ").kind == .unknown)
        #expect(PhoneNumber(parsing: "020 7946 0018", country: "ZZ").kind == .unknown)
        #expect(PhoneNumber(parsing: "+1 212 555 0100", country: "ZZ").display(country: "ZZ") == "+1 212-555-0100")
        #expect(PhoneNumber(parsing: "+44 20 7946 0018", country: "ZZ").display(country: "ZZ") == "+44 20 7946 0018")
    }

    // MARK: - Display and links

    @Test func displayIsNationalAtHomeAndInternationalAbroad() {
        let london = PhoneNumber(parsing: "+44 20 7946 0018")
        #expect(london.display(country: "GB") == "020 7946 0018")
        #expect(london.display(country: "gb") == "020 7946 0018")
        #expect(london.display(country: "US") == "+44 20 7946 0018")
        #expect(london.display(country: "DE") == "+44 20 7946 0018")
        let newYork = PhoneNumber(parsing: "+1 555 123 0000", country: "GB")
        #expect(newYork.display(country: "US") == "(555) 123-0000")
        #expect(newYork.display(country: "CA") == "(555) 123-0000")
        #expect(newYork.display(country: "GB") == "+1 555-123-0000")
    }

    @Test func onlyAnOutsideNumberGetsATelLink() {
        #expect(PhoneNumber(parsing: "+1 (555) 123-0000").telURI == "tel:+15551230000")
        #expect(PhoneNumber(parsing: "020 7946 0018", country: "GB").telURI == "tel:+442079460018")
        #expect(PhoneNumber(parsing: "1001").telURI == nil)
        #expect(PhoneNumber(parsing: "anonymous").telURI == nil)
        #expect(PhoneNumber(parsing: "unknown").telURI == nil)
    }

    @Test func theRecordRoundTripsThroughJSON() throws {
        for raw in ["+44 (0)20 7946 0018", "1001", "Anonymous", "abc"] {
            let number = PhoneNumber(parsing: raw, country: "GB")
            let data = try JSONEncoder().encode(number)
            #expect(try JSONDecoder().decode(PhoneNumber.self, from: data) == number)
        }
        let json = try JSONEncoder().encode(PhoneNumber(parsing: "1001"))
        #expect(String(decoding: json, as: UTF8.self).contains(#""kind":"extension""#))
    }

    // MARK: - The country table

    @Test func everyRequiredCountryHasRules() throws {
        let required = [
            "US", "CA", "GB", "DE", "FR", "AU", "NL", "IE", "NZ", "CH", "AT", "BE", "SE", "ES", "IT", "DK", "NO",
            "MX", "IN", "JP", "BR",
        ]
        for code in required {
            let country = try #require(CountryDialing.lookup(code))
            #expect(country.code == code)
            #expect(CountryDialing.lookup(code.lowercased()) == country)
            #expect(CountryDialing.assignedCallingCodes.contains(country.callingCode))
            #expect(country.nationalLengths.upperBound + country.callingCode.count <= 15)
            #expect(!country.shapes.isEmpty)
        }
        #expect(CountryDialing.lookup("ZZ") == nil)
        #expect(CountryDialing.lookup("IT")?.trunkPrefix == nil)
        #expect(CountryDialing.lookup("AU")?.internationalPrefix == "0011")
        #expect(CountryDialing.lookup("US")?.internationalPrefix == "011")
        #expect(CountryDialing.lookup("ES")?.nationalLengths == 9...9)
    }

    @Test func callingCodesMatchLongestFirst() {
        #expect(CountryDialing.byCallingCode("15551230000")?.code == "US")
        #expect(CountryDialing.byCallingCode("442079460018")?.code == "GB")
        #expect(CountryDialing.byCallingCode("35312345678")?.code == "IE")
        #expect(CountryDialing.byCallingCode("79123456789") == nil)
        #expect(CountryDialing.callingCode(prefixing: "79123456789") == "7")
        #expect(CountryDialing.callingCode(prefixing: "35812345678") == "358")
        #expect(CountryDialing.callingCode(prefixing: "9991234") == nil)
        #expect(CountryDialing.callingCode(prefixing: "") == nil)
    }

    @Test func assignedCallingCodesArePrefixFree() {
        for code in CountryDialing.assignedCallingCodes {
            for length in 1..<code.count {
                #expect(!CountryDialing.assignedCallingCodes.contains(String(code.prefix(length))), "\(code)")
            }
        }
    }
}
