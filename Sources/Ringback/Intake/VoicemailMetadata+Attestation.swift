extension VoicemailMetadata {
    /// The STIR/SHAKEN verdict the PBX passed, as `A`, `B`, `C` or `failed`: a JSON sidecar's `attestation`, or an
    /// Asterisk `category=` the dialplan set (`Set(VM_CATEGORY=attestation=${STIR_SHAKEN(0,attestation)})`).
    public var attestation: String? {
        var value = fields["attestation"] ?? fields["category"]
        if let text = value, let range = text.range(of: "attestation=") {
            value = String(text[range.upperBound...].prefix { $0 != "," && $0 != ";" && $0 != " " })
        } else if fields["attestation"] == nil {
            // A category that is not about attestation at all says nothing.
            guard let text = value, ["A", "B", "C"].contains(text.uppercased()) || text.lowercased().contains("fail") else { return nil }
        }
        guard let text = value?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if text.lowercased().contains("fail") { return "failed" }
        let letter = text.uppercased()
        return ["A", "B", "C"].contains(letter) ? letter : nil
    }
}
