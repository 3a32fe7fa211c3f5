import CRingbackCurl
import Dispatch

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

    /// Runs a blocking transfer on a Dispatch thread so Swift concurrency's few cooperative threads never wait on I/O.
    static func offload<T: Sendable>(_ work: @escaping @Sendable () throws(CurlError) -> T) async throws(CurlError) -> T {
        let result: Result<T, CurlError> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                do throws(CurlError) {
                    continuation.resume(returning: .success(try work()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}
