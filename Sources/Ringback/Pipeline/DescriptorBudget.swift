import Foundation

/// The file descriptors this process may still open, so intake starts no voicemail it could not finish: reading the
/// audio, the sidecar, the ledger, the transcoded copy and a mail or engine connection each need one.
struct DescriptorBudget: Sendable, Equatable {
    let open: Int
    let limit: Int
    var free: Int { max(0, limit - open) }

    /// Descriptors one voicemail may hold at once, with room to spare.
    static let perVoicemail = 16

    /// Counted from /proc/self/fd against the soft RLIMIT_NOFILE; nil where there is no /proc (the check is skipped).
    /// When even the count cannot open its folder, none are free.
    static func now() -> DescriptorBudget? {
        var limits = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limits) == 0, limits.rlim_cur != rlim_t.max else { return nil }
        let limit = Int(clamping: limits.rlim_cur)
        guard let folder = opendir("/proc/self/fd") else {
            return errno == EMFILE || errno == ENFILE ? DescriptorBudget(open: limit, limit: limit) : nil
        }
        defer { closedir(folder) }
        var count = -3  // ".", ".." and the folder's own descriptor
        while readdir(folder) != nil { count += 1 }
        return DescriptorBudget(open: max(0, count), limit: limit)
    }

    /// Enough for `voicemails` at once.
    func allows(_ voicemails: Int) -> Bool {
        free >= Self.perVoicemail * max(1, voicemails)
    }
}
