extension VoicemailPipeline {
    /// Processes `sources`, at most `concurrency` at a time, and hands each outcome to `each` as it finishes (in the
    /// order they finish). Work in flight finishes even when shutdown is requested. For `watch` and `reprocess`.
    public func process(
        _ sources: [VoicemailSource], options: Options = .init(), concurrency: Int, each: (ProcessOutcome) -> Void = { _ in }
    ) async -> [ProcessOutcome] {
        guard !sources.isEmpty else { return [] }
        return await withTaskGroup(of: ProcessOutcome.self) { group in
            var outcomes: [ProcessOutcome] = []
            var next = 0
            while next < sources.count || !group.isEmpty {
                while next < sources.count, next - outcomes.count < max(1, concurrency) {
                    let source = sources[next]
                    group.addTask { await process(source, options: options) }
                    next += 1
                }
                if let outcome = await group.next() {
                    outcomes.append(outcome)
                    each(outcome)
                }
            }
            return outcomes
        }
    }
}
