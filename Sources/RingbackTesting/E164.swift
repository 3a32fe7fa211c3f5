/// E.164 as the providers check it, written here from their documentation (not Ringback's own check): `+`, then 7 to
/// 15 digits.
func isE164(_ number: String) -> Bool {
    number.hasPrefix("+") && (8...16).contains(number.count) && number.dropFirst().allSatisfy { $0.isASCII && $0.isNumber }
}
