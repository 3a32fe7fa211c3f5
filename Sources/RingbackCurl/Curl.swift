import CRingbackCurl
import Foundation

/// Process-wide libcurl set-up, done once before the first handle.
public enum Curl {
    private static let initialized: Bool = {
        curl_global_init(CRingbackCurl_globalDefault()) == CURLE_OK
    }()

    static func ensureInitialized() {
        _ = initialized
    }

    /// libcurl's version string, for `ringback --version` and bug reports.
    public static var version: String {
        guard let text = curl_version() else { return "unknown" }
        return String(cString: text)
    }

    /// Runs a blocking transfer on a thread of its own so Swift concurrency's few cooperative threads never wait on
    /// I/O. Not on Dispatch's global queue: on Linux its pool is about one thread per core, so a transfer queued
    /// there waits behind long CPU work (a whisper decode, a transcode) and an engine's deadline passes unpolled.
    static func offload<T: Sendable>(_ work: @escaping @Sendable () throws(CurlError) -> T) async throws(CurlError) -> T {
        let result: Result<T, CurlError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                do throws(CurlError) {
                    continuation.resume(returning: .success(try work()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            thread.name = "ringback.curl"
            thread.start()
        }
        return try result.get()
    }
}
