import Catalog
import DataHubClient
import Runs
import ServiceConfiguration
import Tokenization

extension RunExecutor.Settings {
    /// The executor's settings with the plan and discovery settings of `runs` (`PLAN_TAG`, `SAMPLE_ROWS`,
    /// `SAMPLE_THRESHOLD`, `DISCOVERY_IN_RUNS`, `DISCOVERY_TAG_FIELDS`, `PLAN_COUNT_ROWS`, `PII_GLOSSARY_TERMS`) and the
    /// downstream settings (`LINEAGE_DEPTH`, `PROPAGATE_DOWNSTREAM`), and `VERIFY_INCREMENTAL`.
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
        lineageDepth = runs.lineageDepth
        propagateDownstream = runs.propagateDownstream
        if let terms = runs.piiGlossaryTerms { piiGlossaryTerms = terms }
        planCountRows = runs.planCountRows
        verifyIncremental = runs.verifyIncremental
    }
}
