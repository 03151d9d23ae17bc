import Logging
import ServiceConfiguration

/// Bootstraps logging once, as configured (`LOG_LEVEL`, `LOG_FORMAT`), and returns the service's logger.
public func bootstrapLogging(_ settings: LoggingSettings) -> Logger {
    LoggingSystem.bootstrap { label in
        switch settings.format {
        case .json:
            return JSONLogHandler(label: label, level: settings.level)
        case .text:
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = settings.level
            return handler
        }
    }
    return Logger(label: "tokenize-action")
}
