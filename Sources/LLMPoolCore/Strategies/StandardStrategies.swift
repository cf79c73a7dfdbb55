/// One implementation of every ``StrategyKind``, configured from the pool's configuration: the
/// set the ``Orchestrator`` starts from (strategies passed to it replace these by kind).
public enum StandardStrategies {
    /// FASTEST, VOTING, WEIGHTED, CONSENSUS, and JUDGE with the `judge` task's template and first
    /// provider as the judge (a plain candidates prompt and the request's first provider when
    /// there is no such task).
    public static func make(configuration: PoolConfiguration, providers: [any Provider]) -> [any EnsembleStrategy] {
        let judgeTask = configuration.tasks["judge"]
        let judge = judgeTask?.providers.first.flatMap { name in providers.first { $0.name == name } }
        return [
            FastestStrategy(),
            VotingStrategy(),
            WeightedStrategy(),
            ConsensusStrategy(
                threshold: configuration.qos.consensus.threshold,
                quorum: configuration.qos.consensus.quorum,
                fallbackToBest: configuration.qos.consensus.fallbackToBest
            ),
            JudgeStrategy(
                judge: judge,
                template: judgeTask?.template ?? defaultJudgeTemplate,
                variables: judgeTask?.variables ?? [:]
            ),
        ]
    }

    /// The judge prompt used when no `judge` task is configured.
    public static let defaultJudgeTemplate: PromptTemplate = {
        // A literal that uses {{input}}: it always parses.
        try! PromptTemplate(
            source: "Pick the best candidate. Answer {\"choice\": <index>, \"reason\": \"...\"}.\n\n{{input}}"
        )
    }()
}
