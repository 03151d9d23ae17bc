/// The tags the service acts on and writes: the four a deployment may rename (`TRIGGER_TAG`, `APPROVAL_TAG`,
/// `PLAN_TAG`, `DISMISS_TAG`), and the ones it writes back (`tokenize/done`, `tokenize/status:<STATUS>`). The one place their names
/// are written.
public struct ServiceTags: Sendable, Equatable {
    /// Asks for a run when added to a dataset or a field (`TRIGGER_TAG`).
    public var trigger = TagURN("tokenize/run")
    /// Added by an approver to a dataset whose run awaits approval (`APPROVAL_TAG`).
    public var approval = TagURN("tokenize/approve")
    /// Asks for a plan (dry run) when added to a dataset (`PLAN_TAG`).
    public var plan = TagURN("tokenize/plan")
    /// Put on a field by a steward who dismisses what value sampling found there: later plans do not propose it,
    /// runs do not choose it by sampling or by its name (`DISMISS_TAG`). A trigger or `pii` tag on it still decides.
    public var dismiss = TagURN("tokenize/not-pii")

    public init() {}

    /// Put where a run succeeded.
    public static let done = TagURN("tokenize/done")
    /// The family of the status tags: one `tokenize/status:<STATUS>` at a time.
    public static let statusFamily = "tokenize/status"

    /// `tokenize/status:<status>`.
    public static func status(_ status: String) -> TagURN { TagURN("\(statusFamily):\(status)") }
}
