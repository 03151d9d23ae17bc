import Catalog
import Runs
import Tokenization

extension ServiceTags {
    /// The default tags with another trigger.
    public static func with(trigger: TagURN) -> ServiceTags {
        var tags = ServiceTags()
        tags.trigger = trigger
        return tags
    }
}

extension RunExecutor.Settings {
    /// The default settings with another default scheme and trigger.
    public static func testing(defaultScheme: TokenSchemeName, trigger: TagURN) -> RunExecutor.Settings {
        var settings = RunExecutor.Settings()
        settings.defaultScheme = defaultScheme
        settings.tags.trigger = trigger
        return settings
    }
}

extension DatasetURN: ExpressibleByStringLiteral {
    /// A URN written in a test (a typo traps at once, as a test should).
    public init(stringLiteral text: String) {
        try! self.init(text)
    }
}
