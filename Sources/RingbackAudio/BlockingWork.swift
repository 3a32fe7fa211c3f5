import Dispatch

/// Runs blocking work (reading every frame, transcoding, encoding MP3, writing a message file) on a Dispatch thread.
///
/// Swift concurrency has one cooperative thread per core, two on a small PBX box. Audio work done on them stalls
/// every other task (a watcher's timers, an HTTP poll, an SMTP reply) for as long as it runs.
public enum BlockingWork {
    public static func run<T: Sendable, Failure: Error>(_ work: @escaping @Sendable () throws(Failure) -> T) async throws(Failure) -> T {
        let result: Result<T, Failure> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                do throws(Failure) {
                    continuation.resume(returning: .success(try work()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}
