public import RingbackCore

extension CallerID {
    public init(parsing text: String, owner: OwnerConfig) {
        self.init(parsing: text, country: owner.country, dialPrefixes: owner.dialPrefixes)
    }

    /// From separate fields (FreeSWITCH's `cid_name`/`cid_number`, a JSON sidecar, a filename pattern).
    public init(name: String?, number: String?, owner: OwnerConfig) {
        let quoted = name.map { "\"\($0.replacingOccurrences(of: "\"", with: ""))\" " } ?? ""
        self.init(parsing: "\(quoted)<\(number ?? "")>", owner: owner)
    }
}
