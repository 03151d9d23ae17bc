/// What a dependency answered when the service checked it could work with it (at startup).
public enum ProbeOutcome: Sendable, Equatable {
    /// It answered as expected.
    case answers
    /// It could not be reached, timed out, or is starting: waiting may fix it. The reason says what happened.
    case unavailable(String)
    /// It answered and refused the service (credentials, an address that is not what its setting says): only a
    /// change of settings fixes it. The reason says which setting.
    case refused(String)
}
