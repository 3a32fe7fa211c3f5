public import Testing

/// Tests that run the real whisper model, one at a time in the test process.
///
/// A decode keeps its cores busy for seconds (ggml's threads spin between steps). Several at once on a 2-core machine
/// leave Swift concurrency's threads, the stand-ins and the SMTP sink so little CPU that unrelated tests miss their
/// deadlines. Tests that decode (in process, or through a `ringback` child with the committed configuration) take
/// this trait; the rest of the suite runs beside them as before.
public struct OneDecodeAtATime: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        guard test.isSuite == false else { return try await function() }
        await ModelTurn.shared.enter()
        do {
            try await function()
        } catch {
            await ModelTurn.shared.leave()
            throw error
        }
        await ModelTurn.shared.leave()
    }
}

extension Trait where Self == OneDecodeAtATime {
    /// Runs the test while no other test decodes with the real model.
    public static var oneDecodeAtATime: Self { OneDecodeAtATime() }
}

/// First come, first served: the turn to use the model.
actor ModelTurn {
    static let shared = ModelTurn()
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func enter() async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty {
            busy = false
        } else {
            waiting.removeFirst().resume()
        }
    }
}
