/// Domain failures of account operations; ``APIErrorMapping`` turns them into HTTP responses.
enum AccountError: Error, Equatable {
    /// A value from the client failed validation (one-line reason).
    case invalid(String)
    /// The username is already registered.
    case usernameTaken
    /// Another account already has this public identity key.
    case publicKeyTaken
    /// Unknown user or wrong password: deliberately one case.
    case invalidCredentials
    /// Too many failed checks of a password-derived key (``AuthThrottle``).
    case throttled(retryAfterSeconds: Int)
    /// A bound on what a client may make the service store was reached (one-line reason).
    case limitReached(String, retryAfterSeconds: Int)
    /// Missing, malformed, expired or replaced token.
    case unauthenticated
    /// No such user, or no such buddy entry.
    case notFound(String)
    /// The request conflicts with the state (`409` with this code and one-line reason), e.g.
    /// `mailbox_full` (docs/protocol.md 5.2).
    case conflict(String, String)
}
