import JuiceCore

/// Dialling a buddy: every direct address at once, a punch from the listening port, the relay
/// after ``SessionSettings/relayDelay``, the upgrade tries while relayed, and the caps on dials
/// (docs/protocol.md 4.5.1).
extension BuddySessions {
    /// Dials a buddy at every direct address they may be reached at, all at once (the first
    /// handshake to complete wins, and the other dials close), and at their relayed addresses
    /// ``SessionSettings/relayDelay`` later if none has made a session by then (at once when
    /// they have no direct address, or when every direct dial failed sooner). Nothing happens
    /// when we are offline or leaving, they look offline or have no address, their key is not
    /// trusted, or a session with them exists. While an attempt is under way, only direct
    /// addresses it does not dial yet are dialled (the buddy published new candidates: a punch
    /// must start while theirs does).
    mutating func dial(_ name: Username, now: Instant) -> [SessionAction] {
        guard mode == .running, peerID.isOnline, let buddy = buddies[name], buddy.peerID.isOnline, !buddy.dialTargets.isEmpty,
              !distrusts(name), active[name] == nil else { return [] }
        let underWay = Set(links.values.filter { $0.dialling == name }.compactMap(\.target))
        guard underWay.isEmpty else {
            if relayDials[name] == nil, buddy.relayTargets.contains(where: { !underWay.contains($0.address) }) { relayDials[name] = now + settings.relayDelay }
            return dial(buddy, at: buddy.directTargets.filter { !underWay.contains($0.address) }, now: now)
        }
        if retries[name] != nil { retries[name]!.at = nil } // this is the attempt
        guard !buddy.directTargets.isEmpty else { return dialRelays(name, now: now) }
        if !buddy.relayTargets.isEmpty { relayDials[name] = now + settings.relayDelay }
        return dial(buddy, at: buddy.directTargets, now: now)
    }

    /// Dials `buddy` at `targets`, one link each, within the caps on dials: per buddy and in all
    /// per minute, and under way at once. Targets a cap holds back are tried again when it
    /// allows (a redial at that moment), never dropped for good.
    private mutating func dial(_ buddy: BuddyContact, at targets: [Candidate], now: Instant) -> [SessionAction] {
        var recent = (recentDials[buddy.username] ?? []).filter { now - $0 < .seconds(60) }
        allRecentDials = allRecentDials.filter { now - $0 < .seconds(60) }
        let connecting = links.values.filter { if case .connecting = $0.phase { true } else { false } }.count
        let room = min(
            settings.maxDialsPerBuddyPerMinute - recent.count, settings.maxDialsPerMinute - allRecentDials.count, settings.maxConnecting - connecting
        )
        let allowed = targets.prefix(max(0, room))
        recent += allowed.map { _ in now }
        allRecentDials += allowed.map { _ in now }
        recentDials[buddy.username] = recent.isEmpty ? nil : recent
        if allowed.count < targets.count, allowed.isEmpty {
            // Held back: try again when the oldest dial of the minute leaves it (or in 1 s when
            // too many are under way).
            let minuteFull = recent.count >= settings.maxDialsPerBuddyPerMinute || allRecentDials.count >= settings.maxDialsPerMinute
            let oldest = [recent.min(), allRecentDials.min()].compactMap { $0 }.min() ?? now
            let at = minuteFull ? max(now + .seconds(1), oldest + .seconds(60)) : now + .seconds(1)
            let until = retries[buddy.username]?.until ?? now + settings.retryWindow
            retries[buddy.username] = Retry(at: at, delay: settings.firstRetryDelay, until: until)
        }
        return allowed.map { target in
            let id = newLinkID()
            links[id] = Link(
                origin: .dialled(buddy.username), phase: .connecting, path: SessionPath(dialling: target), target: target.address,
                opened: now, remotePeerID: buddy.peerID, stated: presence, lastHeard: now, nextPing: now
            )
            return .dial(id, Dial(buddy: buddy, target: target, localPeerID: peerID, presence: presence))
        }
    }

    /// The relayed part of an attempt, unless a session exists by now.
    mutating func dialRelays(_ name: Username, now: Instant) -> [SessionAction] {
        relayDials[name] = nil
        guard mode == .running, active[name] == nil, let buddy = buddies[name], buddy.peerID.isOnline, !distrusts(name) else { return [] }
        let underWay = Set(links.values.filter { $0.dialling == name }.compactMap(\.target))
        return dial(buddy, at: buddy.relayTargets.filter { !underWay.contains($0.address) }, now: now)
    }

    /// A session through a relay tries the direct addresses again, while no dial is under way;
    /// a direct session that completes replaces it (``keeps(_:over:_:)``).
    mutating func tryUpgrade(_ name: Username, now: Instant) -> [SessionAction] {
        upgrades[name] = nil
        guard mode == .running, let id = active[name], links[id]?.path == .relayed, let buddy = buddies[name], !distrusts(name) else { return [] }
        upgrades[name] = now + settings.upgradeInterval
        guard !links.values.contains(where: { $0.dialling == name }) else { return [] }
        return dial(buddy, at: buddy.directTargets, now: now)
    }
}
