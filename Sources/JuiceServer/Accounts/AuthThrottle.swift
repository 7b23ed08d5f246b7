/// The one throttle for every check of a password-derived key (login, password change).
///
/// Failed checks are counted in fixed windows three ways: per username and source address, per
/// username from every source, and per source across usernames. A check is refused (429) when
/// - this username failed ``perNameAndSource`` times from this source, or
/// - this source failed ``perSource`` times across usernames (spraying made-up names), or
/// - this username failed ``perName`` times from all sources and this source has never logged in
///   as the user (the user's known addresses are exempt, so reaching the ceiling locks nobody
///   out of their usual places).
/// So one stranger's address gets at most ``perNameAndSource`` guesses a window and cannot stop
/// the owner logging in from elsewhere; many addresses together get at most ``perName``.
public struct AuthThrottle: Sendable {
    /// Failures allowed per username and source per window.
    public var perNameAndSource = 3
    /// Failures allowed per username from all sources per window, before unknown sources wait:
    /// 5, as many as one username allowed in all before this throttle, so guessing is no faster.
    public var perName = 5
    /// Failures allowed per source across usernames per window.
    public var perSource = 100
    /// Length of a window.
    public var windowSeconds = 900

    /// The defaults.
    public init() {}

    /// Seconds to wait before checking again, or nil when the check may go ahead.
    func refusal(_ record: AuthRecord) -> Int? {
        let refused = [
            (record.pair, perNameAndSource, true),
            (record.source, perSource, true),
            (record.name, perName, !record.knownSource),
        ].filter { window, limit, applies in applies && window.failures >= limit }
        return refused.map { window, _, _ in max(1, window.remaining ?? windowSeconds) }.max()
    }
}
