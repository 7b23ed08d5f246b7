import ArgumentParser
import JuiceServer

/// `juiced` options that bound what strangers can cost: the password throttle and the bounds
/// on registrations, buddy requests and command tokens (docs/protocol.md, 2.2, 2.3 and 2.6).
struct AccountLimitOptions: ParsableArguments {
    @Option(name: .long, help: "Failed password checks allowed per username and client address per 15 minutes.")
    var maxLoginFailures = AuthThrottle().perNameAndSource

    @Option(name: .long, help: "Failed password checks allowed per username from all addresses per 15 minutes; past it, only addresses the user logged in from before may try.")
    var maxLoginFailuresPerName = AuthThrottle().perName

    @Option(name: .long, help: "Failed password checks allowed per client address across usernames per 15 minutes.")
    var maxLoginFailuresPerAddress = AuthThrottle().perSource

    @Option(name: .long, help: "Accounts one client address may register per hour.")
    var maxRegistrationsPerAddress = AccountSettings().registrationsPerAddressPerHour

    @Option(name: .long, help: "Buddy requests that may wait for one user's consent.")
    var maxPendingRequests = AccountSettings().maxPendingRequests

    @Option(name: .long, help: "Command tokens (logins without going online) a user may hold; a new one ends the oldest.")
    var maxCommandTokens = AccountSettings().maxCommandSessions

    func validate() throws {
        guard maxLoginFailures >= 1 else { throw ValidationError("--max-login-failures must be at least 1") }
        guard maxLoginFailuresPerName > maxLoginFailures else {
            throw ValidationError("--max-login-failures-per-name must be larger than --max-login-failures, or one address could lock a user out")
        }
        guard maxLoginFailuresPerAddress >= maxLoginFailures else { throw ValidationError("--max-login-failures-per-address must be at least --max-login-failures") }
        for (name, value) in [("--max-registrations-per-address", maxRegistrationsPerAddress), ("--max-pending-requests", maxPendingRequests), ("--max-command-tokens", maxCommandTokens)] {
            guard value >= 1 else { throw ValidationError("\(name) must be at least 1") }
        }
    }

    /// Sets these bounds in `settings`.
    func apply(to settings: inout AccountSettings) {
        settings.throttle.perNameAndSource = maxLoginFailures
        settings.throttle.perName = maxLoginFailuresPerName
        settings.throttle.perSource = maxLoginFailuresPerAddress
        settings.registrationsPerAddressPerHour = maxRegistrationsPerAddress
        settings.maxPendingRequests = maxPendingRequests
        settings.maxCommandSessions = maxCommandTokens
    }
}
