import DataHubClient
import Runs
import ServiceConfiguration
import Tokenization

extension RunExecutor.Settings {
    /// The executor's settings with the plan and discovery settings of `runs` (`PLAN_TAG`, `SAMPLE_ROWS`,
    /// `SAMPLE_THRESHOLD`, `DISCOVERY_IN_RUNS`, `PLAN_COUNT_ROWS`).
    init(
        defaultScheme: TokenSchemeName, triggerTag: TagURN, approvalTag: TagURN, verifySample: Int, progressLogInterval: Duration,
        progressDataHubInterval: Duration, discovery runs: RunSettings
    ) {
        self.init(
            defaultScheme: defaultScheme, triggerTag: triggerTag, approvalTag: approvalTag, verifySample: verifySample,
            progressLogInterval: progressLogInterval, progressDataHubInterval: progressDataHubInterval)
        planTag = runs.planTag
        sampleRows = runs.sampleRows
        sampleThreshold = runs.sampleThreshold
        discoveryInRuns = runs.discoveryInRuns
        discoveryTagFields = runs.discoveryTagFields
        if let terms = runs.piiGlossaryTerms { piiGlossaryTerms = terms }
        planCountRows = runs.planCountRows
    }
}
