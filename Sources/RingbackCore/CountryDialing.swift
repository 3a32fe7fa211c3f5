/// How one country's numbers are dialled at home and written abroad: the few facts `PhoneNumber` needs to turn
/// whatever a PBX hands over into one E.164 key, and to print that key back the way the owner would write it.
///
/// Deliberately not libphonenumber: the table knows only the number *shapes* (leading digits and length of the national
/// significant number) of the countries Ringback's owners live in, because that is what separates a national number
/// from an extension or from noise. Every other country is still recognised by its calling code (see
/// `assignedCallingCodes`), so a caller from anywhere folds correctly once the PBX gives an international form.
public struct CountryDialing: Sendable, Hashable {
    /// One family of national significant numbers: how they start and how long they are.
    public struct NumberShape: Sendable, Hashable {
        /// The number starts with one of these ("2", "3", … or "11", "12", …): leading digits are what tell mobiles,
        /// landlines and service numbers apart, and what rule out a trunk or international prefix left inside.
        public var prefixes: [String]
        /// Length of the whole national significant number, prefix included.
        public var lengths: ClosedRange<Int>

        public init(prefixes: [String], lengths: ClosedRange<Int>) {
            self.prefixes = prefixes
            self.lengths = lengths
        }

        func matches(_ nsn: Substring) -> Bool {
            lengths.contains(nsn.count) && prefixes.contains { nsn.hasPrefix($0) }
        }
    }

    /// ISO 3166-1 alpha-2, upper case ("GB").
    public var code: String
    /// E.164 country calling code, without "+" ("44").
    public var callingCode: String
    /// Dialled before a national number at home and dropped in international form ("0"; "1" in the NANP). Nil where
    /// there is none (ES, DK, NO, MX) and in Italy, whose leading 0 belongs to the number and survives after +39.
    public var trunkPrefix: String?
    /// True where a national number is dialled with or without the trunk prefix (NANP: "2125550100" and
    /// "12125550100" are the same line; Brazil and India, where numbers are commonly presented without the 0). Only
    /// set where no extension or other number can be confused with a national number lacking its prefix.
    public var trunkPrefixIsOptional: Bool
    /// Dialled before a calling code to reach another country ("00"; "011" in the NANP; "0011" in AU; "010" in JP).
    public var internationalPrefix: String
    /// Every valid national significant number (the digits after the calling code) fits one of these.
    public var shapes: [NumberShape]
    /// Digits PBXs and people wrongly leave between the calling code and the national number ("+44 (0)20…",
    /// "+44 020…", Mexico's retired mobile "1" in "+52 1 55…"). Dropped only when the number is invalid with them and
    /// valid without, so a genuine number is never rewritten.
    public var strayPrefixes: [String]

    public init(
        code: String,
        callingCode: String,
        trunkPrefix: String?,
        trunkPrefixIsOptional: Bool = false,
        internationalPrefix: String,
        shapes: [NumberShape],
        strayPrefixes: [String]? = nil
    ) {
        self.code = code
        self.callingCode = callingCode
        self.trunkPrefix = trunkPrefix
        self.trunkPrefixIsOptional = trunkPrefixIsOptional
        self.internationalPrefix = internationalPrefix
        self.shapes = shapes
        self.strayPrefixes = strayPrefixes ?? trunkPrefix.map { [$0] } ?? []
    }

    /// Shortest to longest national significant number, for callers that only need the bounds.
    public var nationalLengths: ClosedRange<Int> {
        let lower = shapes.map(\.lengths.lowerBound).min() ?? 0
        let upper = shapes.map(\.lengths.upperBound).max() ?? 0
        return lower...max(lower, upper)
    }

    /// Whether `nsn` (digits after the calling code) is a number this country could have issued.
    public func isValidNationalSignificantNumber(_ nsn: some StringProtocol) -> Bool {
        let digits = Substring(nsn)
        return digits.allSatisfy(Self.isDigit) && shapes.contains { $0.matches(digits) }
    }

    /// The national significant number inside a number dialled at home ("02079460018" → "2079460018"), or nil when
    /// `digits` is not a complete national number here.
    public func nationalSignificantNumber(fromNational digits: String) -> String? {
        if let trunkPrefix, digits.hasPrefix(trunkPrefix) {
            let rest = digits.dropFirst(trunkPrefix.count)
            if isValidNationalSignificantNumber(rest) { return String(rest) }
        }
        if trunkPrefix == nil || trunkPrefixIsOptional, isValidNationalSignificantNumber(digits) {
            return digits
        }
        return nil
    }

    /// The national significant number after `stray` digits are dropped (see `strayPrefixes`), or nil.
    func repairedNationalSignificantNumber(_ nsn: Substring) -> Substring? {
        for stray in strayPrefixes where nsn.hasPrefix(stray) {
            let rest = nsn.dropFirst(stray.count)
            if isValidNationalSignificantNumber(rest) { return rest }
        }
        return nil
    }

    // MARK: - Lookup

    /// The owner's country, by ISO 3166-1 alpha-2 code in any case; nil for countries without dialling rules here
    /// (callers then accept only international forms, never guess a national one).
    public static func lookup(_ iso: String) -> CountryDialing? {
        byISO[iso.uppercased()]
    }

    /// The country whose rules apply to an international number: `digits` is the number after "+" (or just a
    /// calling code), matched longest-first against the assigned codes. Shared codes resolve to the first country in
    /// `all` ("1" → US, whose rules are the NANP's, CA's too). Nil when the calling code is not assigned, or is
    /// assigned but has no rules here (then `callingCode(prefixing:)` still recognises it).
    public static func byCallingCode(_ digits: String) -> CountryDialing? {
        callingCode(prefixing: digits).flatMap { byCode[$0] }
    }

    /// The assigned calling code `digits` starts with. ITU calling codes are prefix-free, so at most one of the
    /// 1-, 2- and 3-digit prefixes can match; longest-first is belt and braces.
    public static func callingCode(prefixing digits: some StringProtocol) -> String? {
        for length in stride(from: 3, through: 1, by: -1) where digits.count >= length {
            let candidate = String(digits.prefix(length))
            if assignedCallingCodes.contains(candidate) { return candidate }
        }
        return nil
    }

    static func isDigit(_ character: Character) -> Bool {
        guard let ascii = character.asciiValue else { return false }
        return (48...57).contains(ascii)
    }

    /// A shape whose numbers start with any one of `firstDigits`.
    private static func shape(_ firstDigits: String, _ lengths: ClosedRange<Int>) -> NumberShape {
        NumberShape(prefixes: firstDigits.map { String($0) }, lengths: lengths)
    }

    /// A shape whose numbers start with `lead` followed by any one of `nextDigits`.
    private static func shape(_ lead: String, then nextDigits: String, _ lengths: ClosedRange<Int>) -> NumberShape {
        NumberShape(prefixes: nextDigits.map { lead + String($0) }, lengths: lengths)
    }

    /// The countries Ringback has national rules for. Order matters only where a calling code is shared: the first
    /// entry wins in `byCallingCode` (US before CA).
    ///
    /// Lengths are of the national significant number. Where sources disagree they are generous on the long side
    /// (German and Austrian numbers carry PBX direct-dial digits) because a real caller turned `.unknown` loses the
    /// callback, while a slightly long number still folds consistently.
    public static let all: [CountryDialing] = [
        // NANP: NPA and the rest; area codes never start with 0 or 1 (exchange codes are not checked: see PhoneNumber).
        CountryDialing(
            code: "US", callingCode: "1", trunkPrefix: "1", trunkPrefixIsOptional: true,
            internationalPrefix: "011", shapes: [shape("23456789", 10...10)]),
        CountryDialing(
            code: "CA", callingCode: "1", trunkPrefix: "1", trunkPrefixIsOptional: true,
            internationalPrefix: "011", shapes: [shape("23456789", 10...10)]),
        // 01 geographic (some 9 digits), 02 geographic, 03 non-geographic, 05 corporate/old freephone, 07 mobile,
        // 08 freephone/shared cost (0800 1111 is 7), 09 premium.
        CountryDialing(
            code: "GB", callingCode: "44", trunkPrefix: "0", internationalPrefix: "00",
            shapes: [
                shape("1", 9...10), shape("2", 10...10), shape("3", 10...10), shape("5", 9...10),
                shape("7", 10...10), shape("8", 7...10), shape("9", 10...10),
            ]),
        // 015x/016x/017x mobiles are 10-11; geographic numbers vary with the area code and carry direct-dial digits.
        CountryDialing(
            code: "DE", callingCode: "49", trunkPrefix: "0", internationalPrefix: "00",
            shapes: [shape("1", 10...11), shape("23456789", 6...13)]),
        CountryDialing(
            code: "FR", callingCode: "33", trunkPrefix: "0", internationalPrefix: "00",
            shapes: [shape("123456789", 9...9)]),
        // 02/03/07/08 geographic, 04/05 mobile; 13/1300/1800 numbers are dialled without the 0 and never call out.
        CountryDialing(
            code: "AU", callingCode: "61", trunkPrefix: "0", internationalPrefix: "0011",
            shapes: [shape("2345789", 9...9)]),
        // 01-07 geographic and mobile (06), 08/09 service numbers of 7-10.
        CountryDialing(
            code: "NL", callingCode: "31", trunkPrefix: "0", internationalPrefix: "00",
            shapes: [shape("1234567", 9...9), shape("89", 7...10)]),
        // 01 Dublin (8) and 1800/1850/1890 in international form (10), other areas 7-9, 08x mobiles 9.
        CountryDialing(
            code: "IE", callingCode: "353", trunkPrefix: "0", internationalPrefix: "00",
            shapes: [shape("1", 8...10), shape("2345679", 7...9), shape("8", 9...9)]),
        // 03/04/06/07/09 landlines 8, 02x mobiles 8-10, 0800/0508 freephone.
        CountryDialing(
            code: "NZ", callingCode: "64", trunkPrefix: "0", internationalPrefix: "00",
            shapes: [shape("34679", 8...8), shape("2", 8...10), shape("58", 8...10)]),
        CountryDialing(
            code: "CH", callingCode: "41", trunkPrefix: "0", internationalPrefix: "00",
            shapes: [shape("23456789", 9...9)]),
        CountryDialing(
            code: "AT", callingCode: "43", trunkPrefix: "0", internationalPrefix: "00",
            shapes: [shape("123456789", 5...13)]),
        // 04 is Liège (8) and mobiles (9).
        CountryDialing(
            code: "BE", callingCode: "32", trunkPrefix: "0", internationalPrefix: "00",
            shapes: [shape("12356789", 8...8), shape("4", 8...9)]),
        CountryDialing(
            code: "SE", callingCode: "46", trunkPrefix: "0", internationalPrefix: "00",
            shapes: [shape("123456789", 7...10)]),
        // No trunk prefix since 1998: every number is 9 digits, 6/7 mobile, 8/9 fixed and service.
        CountryDialing(
            code: "ES", callingCode: "34", trunkPrefix: nil, internationalPrefix: "00",
            shapes: [shape("6789", 9...9)]),
        // The 0 of a landline is part of the number (+39 06…), never followed by another 0 (that would be the
        // international prefix); 3xx mobiles; 80x freephone.
        CountryDialing(
            code: "IT", callingCode: "39", trunkPrefix: nil, internationalPrefix: "00",
            shapes: [shape("0", then: "123456789", 6...11), shape("3", 9...10), shape("8", 6...9)]),
        CountryDialing(
            code: "DK", callingCode: "45", trunkPrefix: nil, internationalPrefix: "00",
            shapes: [shape("23456789", 8...8)]),
        CountryDialing(
            code: "NO", callingCode: "47", trunkPrefix: nil, internationalPrefix: "00",
            shapes: [shape("23456789", 8...8)]),
        // Ten digits everywhere since 2019 (01/044/045 retired); "+52 1" is the old mobile marker.
        CountryDialing(
            code: "MX", callingCode: "52", trunkPrefix: nil, internationalPrefix: "00",
            shapes: [shape("23456789", 10...10)], strayPrefixes: ["1"]),
        // Mobiles are written and presented without the 0 as often as with it.
        CountryDialing(
            code: "IN", callingCode: "91", trunkPrefix: "0", trunkPrefixIsOptional: true,
            internationalPrefix: "00", shapes: [shape("123456789", 10...10)]),
        // Landlines 9, 050/070/080/090 and 0800 are 10. Nothing starts 010: that is the international prefix.
        CountryDialing(
            code: "JP", callingCode: "81", trunkPrefix: "0", internationalPrefix: "010",
            shapes: [shape("1", then: "123456789", 9...10), shape("23456789", 9...10)]),
        // Two-digit area code and 8 (landline) or 9 (mobile) digits, written "(11) 98765-4321" without the 0.
        // Carrier-selection codes (0 XX …, 00 XX …) are not decoded.
        CountryDialing(
            code: "BR", callingCode: "55", trunkPrefix: "0", trunkPrefixIsOptional: true,
            internationalPrefix: "00", shapes: [shape("123456789", 10...11)]),
    ]

    private static let byISO: [String: CountryDialing] =
        Dictionary(all.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })

    private static let byCode: [String: CountryDialing] =
        Dictionary(all.map { ($0.callingCode, $0) }, uniquingKeysWith: { first, _ in first })

    /// Every country calling code the ITU has assigned (E.164 annex, including the global services 800, 808, 870,
    /// 881-883, 888, 979), so a "+" number is checked against real codes even where no national rules exist.
    public static let assignedCallingCodes: Set<String> = Set(
        """
        1 7 20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66
        81 82 84 86 90 91 92 93 94 95 98
        211 212 213 216 218 220 221 222 223 224 225 226 227 228 229 230 231 232 233 234 235 236 237 238 239
        240 241 242 243 244 245 246 247 248 249 250 251 252 253 254 255 256 257 258 260 261 262 263 264 265
        266 267 268 269 290 291 297 298 299 350 351 352 353 354 355 356 357 358 359 370 371 372 373 374 375
        376 377 378 379 380 381 382 383 385 386 387 389 420 421 423 500 501 502 503 504 505 506 507 508 509
        590 591 592 593 594 595 596 597 598 599 670 672 673 674 675 676 677 678 679 680 681 682 683 685 686
        687 688 689 690 691 692 800 808 850 852 853 855 856 870 878 880 881 882 883 886 888 960 961 962 963
        964 965 966 967 968 970 971 972 973 974 975 976 977 979 992 993 994 995 996 998
        """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
    )

    // MARK: - Display

    /// The national significant number as people in this country write it at home ("(212) 555-0100",
    /// "020 7946 0018", "03-1234-5678").
    func nationalFormat(_ nsn: String) -> String {
        let groups = displayGroups(nsn)
        let parenthesisedArea = code == "US" || code == "CA" || code == "BR"
        if parenthesisedArea, groups.count == 3 {
            return "(\(groups[0])) \(groups[1])-\(groups[2])"
        }
        if parenthesisedArea {
            // The NANP trunk "1" and Brazil's "0" are not written in a national number.
            return groups.joined(separator: " ")
        }
        return (trunkPrefix ?? "") + groups.joined(separator: code == "JP" ? "-" : " ")
    }

    /// The number as it is written for someone abroad ("+44 20 7946 0018", "+1 212-555-0100").
    func internationalFormat(_ nsn: String) -> String {
        let groups = displayGroups(nsn)
        if (code == "US" || code == "CA") && groups.count == 3 || code == "JP" {
            return "+\(callingCode) \(groups.joined(separator: "-"))"
        }
        if code == "BR", groups.count == 3 {
            return "+\(callingCode) \(groups[0]) \(groups[1])-\(groups[2])"
        }
        return "+\(callingCode) \(groups.joined(separator: " "))"
    }

    /// Groups of a national significant number by local convention. Area-code boundaries are heuristics (no
    /// per-country area-code lists); they only affect display, never the E.164 key. Anything unexpected falls back to
    /// `evenGroups`.
    func displayGroups(_ nsn: String) -> [String] {
        let n = nsn.count
        let first = nsn.first ?? " "
        func starts(_ prefixes: String...) -> Bool { prefixes.contains { nsn.hasPrefix($0) } }
        func at(_ index: Int) -> Character? {
            index < n ? nsn[nsn.index(nsn.startIndex, offsetBy: index)] : nil
        }
        switch code {
        case "US", "CA":
            if n == 10 { return Self.chunks(nsn, [3, 3, 4]) }
        case "GB":
            switch (first, n) {
            case ("2", 10): return Self.chunks(nsn, [2, 4, 4])
            case ("7", 10): return Self.chunks(nsn, [4, 6])
            case ("1", 10) where at(1) == "1" || at(2) == "1": return Self.chunks(nsn, [3, 3, 4])
            case ("1", 10): return Self.chunks(nsn, [4, 6])
            case ("1", 9): return Self.chunks(nsn, [4, 5])
            case (_, 10): return Self.chunks(nsn, [3, 3, 4])
            case (_, 9): return Self.chunks(nsn, [3, 6])
            case (_, 7): return Self.chunks(nsn, [3, 4])
            default: break
            }
        case "DE":
            let area: Int
            if starts("30", "40", "69", "89", "32") {
                area = 2
            } else if starts("15") {
                area = 4
            } else if first == "1" {
                area = 3
            } else if at(2) == "1"
                || starts(
                    "202", "203", "208", "209", "212", "214", "228", "234", "335", "340",
                    "345", "355", "365", "375", "385", "395", "700", "800", "900")
            {
                area = 3
            } else {
                area = 4
            }
            if n > area + 1 { return Self.chunks(nsn, [area]) }
        case "FR" where n == 9:
            return Self.chunks(nsn, [1, 2, 2, 2, 2])
        case "AU" where n == 9:
            return first == "4" || first == "5" ? Self.chunks(nsn, [3, 3, 3]) : Self.chunks(nsn, [1, 4, 4])
        case "NL":
            let twoDigitAreas: Set<String> = [
                "10", "13", "15", "20", "23", "24", "26", "30", "33", "35", "36", "38", "40", "43", "45", "46", "50",
                "53", "55", "58", "70", "71", "72", "73", "74", "75", "76", "77", "78", "79", "84", "85", "87", "88",
                "91",
            ]
            if first == "6", n == 9 { return Self.chunks(nsn, [1, 8]) }
            if n == 9, twoDigitAreas.contains(String(nsn.prefix(2))) { return Self.chunks(nsn, [2, 3, 4]) }
            if first == "8" || first == "9" { return Self.chunks(nsn, [3]) }
            if n == 9 { return Self.chunks(nsn, [3, 6]) }
        case "IE":
            if starts("1800", "1850", "1890"), n == 10 { return Self.chunks(nsn, [4, 3, 3]) }
            if first == "1", n == 8 { return Self.chunks(nsn, [1, 3, 4]) }
            if n == 9 { return Self.chunks(nsn, [2, 3, 4]) }
            if n > 3 { return [String(nsn.prefix(2))] + Self.evenGroups(String(nsn.dropFirst(2))) }
        case "NZ":
            if first == "2" || first == "5" || first == "8" {
                let area = first == "2" ? 2 : 3
                if n > area + 2 { return [String(nsn.prefix(area))] + Self.evenGroups(String(nsn.dropFirst(area))) }
            } else if n == 8 {
                return Self.chunks(nsn, [1, 3, 4])
            }
        case "CH" where n == 9:
            if starts("800", "840", "842", "844", "848", "900", "901", "906") { return Self.chunks(nsn, [3, 3, 3]) }
            return Self.chunks(nsn, [2, 3, 2, 2])
        case "AT":
            let threeDigitAreas: Set<String> = [
                "316", "463", "512", "662", "720", "732", "780", "800", "810", "820", "821", "900", "901", "930",
                "931", "939",
            ]
            let area = first == "1" ? 1 : first == "6" || threeDigitAreas.contains(String(nsn.prefix(3))) ? 3 : 4
            if n > area + 1 { return Self.chunks(nsn, [area]) }
        case "BE":
            if n == 9 { return Self.chunks(nsn, [3, 2, 2, 2]) }
            if n == 8, starts("800") { return Self.chunks(nsn, [3, 2, 3]) }
            if n == 8, "2349".contains(first) { return Self.chunks(nsn, [1, 3, 2, 2]) }
            if n == 8 { return Self.chunks(nsn, [2, 2, 2, 2]) }
        case "SE":
            let twoDigitAreas: Set<String> = [
                "11", "13", "16", "18", "19", "20", "21", "23", "26", "31", "33", "35", "36", "40", "42", "44", "46",
                "54", "60", "63", "90",
            ]
            let area = first == "8" ? 1 : first == "7" || twoDigitAreas.contains(String(nsn.prefix(2))) ? 2 : 3
            let rest = String(nsn.dropFirst(area))
            let sizes: [Int]? =
                switch rest.count {
                case 5: [3, 2]
                case 6: [2, 2, 2]
                case 7: [3, 2, 2]
                case 8: [3, 3, 2]
                default: nil
                }
            if let sizes { return [String(nsn.prefix(area))] + Self.chunks(rest, sizes) }
        case "ES" where n == 9:
            return Self.chunks(nsn, [3, 3, 3])
        case "IT":
            if first == "3", n == 10 { return Self.chunks(nsn, [3, 3, 4]) }
            if first == "3" || first == "8" { return Self.chunks(nsn, [3]) }
            let area = starts("02", "06") ? 2 : at(2).map { "0159".contains($0) } == true ? 3 : 4
            let rest = String(nsn.dropFirst(area))
            if rest.count == 8 { return [String(nsn.prefix(area))] + Self.chunks(rest, [4, 4]) }
            if !rest.isEmpty { return [String(nsn.prefix(area)), rest] }
        case "DK" where n == 8:
            return Self.chunks(nsn, [2, 2, 2, 2])
        case "NO" where n == 8:
            return first == "4" || first == "9" ? Self.chunks(nsn, [3, 2, 3]) : Self.chunks(nsn, [2, 2, 2, 2])
        case "MX" where n == 10:
            return starts("55", "33", "81") ? Self.chunks(nsn, [2, 4, 4]) : Self.chunks(nsn, [3, 3, 4])
        case "IN" where n == 10:
            if "6789".contains(first) { return Self.chunks(nsn, [5, 5]) }
            if starts("11", "20", "22", "33", "40", "44", "79", "80") { return Self.chunks(nsn, [2, 4, 4]) }
            return Self.chunks(nsn, [3, 7])
        case "JP":
            if n == 10, starts("50", "70", "80", "90") { return Self.chunks(nsn, [2, 4, 4]) }
            if n == 10, starts("800") { return Self.chunks(nsn, [3, 3, 4]) }
            if n == 9, starts("120") { return Self.chunks(nsn, [3, 3, 3]) }
            if n == 9, first == "3" || first == "6" { return Self.chunks(nsn, [1, 4, 4]) }
            if n == 9 { return Self.chunks(nsn, [2, 3, 4]) }
        case "BR":
            if n == 11 { return Self.chunks(nsn, [2, 5, 4]) }
            if n == 10 { return Self.chunks(nsn, [2, 4, 4]) }
        default:
            break
        }
        return Self.evenGroups(nsn)
    }

    /// Cuts `digits` into groups of the given sizes; whatever is left over becomes one final group, so a size list
    /// that doesn't fit can never lose or invent a digit.
    static func chunks(_ digits: String, _ sizes: [Int]) -> [String] {
        var rest = Substring(digits)
        var groups: [String] = []
        for size in sizes where !rest.isEmpty {
            groups.append(String(rest.prefix(size)))
            rest = rest.dropFirst(size)
        }
        if !rest.isEmpty { groups.append(String(rest)) }
        return groups
    }

    /// Groups of three or four, smaller groups first ("123 456 7890", "1234 5678"): readable for countries without a
    /// rule of their own, without pretending to know where an area code ends.
    static func evenGroups(_ digits: String) -> [String] {
        let n = digits.count
        guard n > 4 else { return digits.isEmpty ? [] : [digits] }
        let count = (n + 3) / 4
        let small = n / count
        let larger = n % count
        let sizes = Array(repeating: small, count: count - larger) + Array(repeating: small + 1, count: larger)
        return chunks(digits, sizes)
    }
}
