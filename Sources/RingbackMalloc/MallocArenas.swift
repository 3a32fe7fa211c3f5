import CRingbackMalloc

/// glibc's malloc, tuned for a long-running Ringback process.
public enum MallocArenas {
    /// At most two arenas: glibc gives each thread that meets contention its own (up to 8 per core) and keeps what is
    /// freed in each, so a long batch ended with 13 arenas holding 13.7 MB, 2.4 MB of it in use. Call before the first
    /// threads start.
    public static func limit() {
        CRingbackMalloc_limitArenas()
    }
}
