import JuiceCore

extension BuddySessions {
    /// Acts on every deadline that has passed: handshakes that took too long, pings due, buddies
    /// silent for the keepalive timeout, redials due, goodbyes that did not flush in time.
    public mutating func tick(now: Instant) -> [SessionAction] {
        var actions: [SessionAction] = []
        for id in links.keys.sorted() {
            guard let link = links[id] else { continue }
            switch link.phase {
            case .handshaking(let deadline) where deadline <= now:
                actions += leave(id, goodbye: false, reason: "handshake timed out", now: now)
                actions += handshakeEnded(link, now: now)
            case .established where now - link.lastHeard >= settings.keepalive.timeout:
                actions += leave(id, goodbye: false, reason: "keepalive timeout", now: now)
                // Reported now, not at the close: the buddy is gone already.
                if case .established(let name) = link.phase, active[name] == id {
                    active[name] = nil
                    actions.append(.report(.offline(name, reason: "keepalive timeout")))
                    actions += scheduleRetry(name, now: now)
                }
            case .established where link.nextPing <= now:
                links[id]!.nextPing = now + settings.keepalive.interval
                actions.append(.send(id, .ping))
            case .leaving(let deadline) where deadline <= now:
                // The goodbye did not flush in time (or the close was not reported): forget the link.
                links[id] = nil
                actions.append(.close(id, reason: "goodbye timed out"))
            default:
                break
            }
        }
        for name in retries.keys.sorted() {
            guard let retry = retries[name], let at = retry.at, at <= now else { continue }
            if now < retry.until { actions += dial(name, now: now) }
            // Nothing to dial (a session exists, a dial is under way, the buddy went offline or
            // away), or the window is over: the redials end; a later loss starts them again.
            if retries[name]?.at != nil { retries[name] = nil }
        }
        for (name, at) in relayDials.sorted(by: { $0.key < $1.key }) where at <= now { actions += dialRelays(name, now: now) }
        for (name, at) in upgrades.sorted(by: { $0.key < $1.key }) where at <= now { actions += tryUpgrade(name, now: now) }
        if case .leaving(let deadline) = mode, deadline <= now { links = [:] }
        if links.isEmpty { budget.forgetIdle(now: now) }
        return actions + finishIfDone()
    }

    /// The earliest deadline ahead: the driver calls ``tick(now:)`` then.
    public var nextDeadline: Instant? {
        var earliest: Instant?
        func consider(_ instant: Instant?) {
            guard let instant else { return }
            earliest = min(earliest ?? instant, instant)
        }
        for link in links.values {
            switch link.phase {
            case .handshaking(let deadline), .leaving(let deadline): consider(deadline)
            case .established:
                consider(link.nextPing)
                consider(link.lastHeard + settings.keepalive.timeout)
            case .connecting: break
            }
        }
        for retry in retries.values { consider(retry.at) }
        relayDials.values.forEach(consider)
        upgrades.values.forEach(consider)
        if case .leaving(let deadline) = mode { consider(deadline) }
        return earliest
    }

    /// Redials a buddy after a lost session or a failed dial: 0.5 s, doubling to 30 s, for as
    /// long as their lease may still be valid (``SessionSettings/retryWindow``).
    mutating func scheduleRetry(_ name: Username, now: Instant) -> [SessionAction] {
        guard mode == .running, buddies[name] != nil, !distrusts(name) else { return [] }
        var retry = retries[name] ?? Retry(at: nil, delay: settings.firstRetryDelay, until: now + settings.retryWindow)
        guard now < retry.until else {
            retries[name] = nil
            return []
        }
        retry.at = now + retry.delay
        retry.delay = min(retry.delay * 2, settings.maxRetryDelay)
        retries[name] = retry
        return []
    }
}
