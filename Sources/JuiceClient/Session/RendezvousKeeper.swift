import JuiceCore
import ServiceLifecycle

/// Follows the rendezvous stream while the session is online: each introduction or departure
/// updates the buddies the peer network dials (an introduced buddy is dialled at once), and the
/// stream itself keeps the presence online, so no renewal calls are made.
///
/// A stream that breaks (the server went away, a read waited 60 s, a malformed line) is resumed
/// with the session's token, keeping the peer ID: at once, then after 0.5, 1, 2, 4, 8, 16 and
/// every 30 s; a stream that breaks again within a minute of starting continues that schedule
/// instead of starting it anew (and a login again after `ended` waits the same way). A 401, or `ended` with `logout` (a password change elsewhere, an admin revoked
/// the session), means the session is gone: log in again, with a new peer ID. A failed login
/// again, or `ended` with `replaced` (a newer login of the same user elsewhere), ends the
/// session: it is reported and thrown, so `juice login` exits non-zero. Graceful shutdown
/// stops it at once.
struct RendezvousKeeper: Service {
    let login: SessionLogin
    /// What the first login gave.
    let online: SessionLogin.Online

    /// Waits before the resume attempts; the last repeats.
    static let resumeDelays: [Duration] = [.zero, .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(30)]

    /// The wait before attempt `index` (0: none).
    static func delay(_ index: Int) -> Duration { resumeDelays[min(max(0, index), resumeDelays.count - 1)] }

    func run() async throws {
        try await cancelWhenGracefulShutdown { try await keep() }
    }

    /// A stream that lasted this long counts as healthy: the next break starts the backoff anew.
    static let healthy: Duration = .seconds(60)

    private func keep() async throws {
        var roster = BuddyRoster(online.buddies)
        var events = online.events
        // Breaks in a row, each of a stream that did not last: a server that keeps answering and
        // then dropping (or ending) the stream gets the backoff, not a tight loop.
        var breaks = 0
        while true {
            let started = ContinuousClock.now
            let end = await follow(events, roster: &roster)
            if Task.isCancelled { return }
            breaks = ContinuousClock.now - started >= Self.healthy ? 0 : breaks + 1
            switch end {
            case .ended("replaced"):
                // Logging in again would replace the newer login in turn, back and forth.
                let message = "a newer login of \(login.username) replaced this session"
                login.printer.emit(.error(message))
                throw ServiceError(status: nil, message: message)
            case .ended:
                // Revoked (a password change elsewhere, an admin): as a resume answered 401.
                do {
                    try await Task.sleep(for: Self.delay(breaks - 1))
                } catch {
                    return
                }
                guard let next = try await loginAgain(roster: &roster) else { return }
                events = next
            case .broken(let failure):
                guard let next = try await resume(after: failure, from: breaks - 1, roster: &roster) else { return }
                events = next
            }
        }
    }

    private enum StreamEnd {
        /// The server ended it with an `ended` line and this reason.
        case ended(String)
        /// It closed or failed without one.
        case broken(String)
    }

    /// Applies the stream's events until it ends.
    private func follow(_ events: RendezvousEvents, roster: inout BuddyRoster) async -> StreamEnd {
        do {
            for try await event in events {
                switch event {
                case .introduction(let entry):
                    roster.introduce(entry)
                case .departure(let username, let peerID):
                    roster.depart(username, peerID: peerID)
                case .ended(let reason):
                    return .ended(reason)
                case .login, .resumed:
                    continue // first lines only, which the stream's reader already checked
                case .receipt(let receipt):
                    await login.mailbox.settle([receipt])
                    continue
                }
                await login.update(roster)
            }
            return .broken("the server closed it")
        } catch {
            return .broken((error as? ServiceError)?.message ?? "\(error)")
        }
    }

    /// A new stream after a break: resumed, or (after a 401) a new login; nil when cancelled.
    private func resume(after failure: String, from first: Int, roster: inout BuddyRoster) async throws -> RendezvousEvents? {
        let printer = login.printer
        printer.emit(.error("the rendezvous stream broke (\(failure)); resuming it"))
        for attempt in first... {
            do {
                try await Task.sleep(for: Self.delay(attempt))
            } catch {
                return nil
            }
            do {
                let events = try await login.service.resumeStream()
                var lines = events.makeAsyncIterator()
                guard case .resumed(_, let buddies)? = try await lines.next() else {
                    throw ServiceError(status: nil, message: "the resumed stream did not start with its resumed line")
                }
                roster = BuddyRoster(buddies)
                await login.update(roster)
                printer.emit(.info("rendezvous stream resumed"))
                return events
            } catch let error as ServiceError where error.status == 401 {
                return try await loginAgain(roster: &roster)
            } catch {
                if Task.isCancelled { return nil }
                let wait = Self.delay(attempt + 1)
                printer.emit(.error("resuming the rendezvous stream failed: \((error as? ServiceError)?.message ?? "\(error)"); retrying in \(wait)"))
            }
        }
        return nil
    }

    /// The session is gone: a new login (new peer ID) and its stream; nil when cancelled.
    private func loginAgain(roster: inout BuddyRoster) async throws -> RendezvousEvents? {
        login.printer.emit(.error("session expired or revoked; logging in again"))
        do {
            let online = try await login.goOnline()
            roster = BuddyRoster(online.buddies)
            return online.events
        } catch {
            if Task.isCancelled { return nil }
            let failure = ServiceError(status: (error as? ServiceError)?.status, message: "logging in again failed: \(error)")
            login.printer.emit(.error(failure.message))
            throw failure
        }
    }
}
