import Foundation

/// The error shapes transcription servers answer with, reduced to one readable message.
enum APIErrorBody {
    /// `{"error":{"message":…}}` (OpenAI, LocalAI), `{"detail":"…"}` or `{"detail":[{"msg":…}]}` (speaches/FastAPI),
    /// `{"message":…}` (vLLM flat), `{"err_msg":…}` (Deepgram), or the first line of a plain-text body.
    static func message(in body: Data) -> String? {
        if let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any] {
            if let error = object["error"] as? [String: Any], let message = error["message"] as? String { return message }
            if let error = object["error"] as? String { return error }
            if let detail = object["detail"] as? String { return detail }
            if let details = object["detail"] as? [[String: Any]] {
                let messages = details.compactMap { $0["msg"] as? String }
                if !messages.isEmpty { return messages.joined(separator: "; ") }
            }
            if let message = object["message"] as? String { return message }
            if let message = object["err_msg"] as? String { return message }
        }
        let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let line = text.split(whereSeparator: \.isNewline).first else { return nil }
        return String(line)
    }
}
