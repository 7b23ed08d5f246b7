import JuiceCore

extension BuddySessions {
    // MARK: Opening (the dials themselves: BuddySessions+Dialling.swift)

    /// A dialled connection opened: its handshake deadline starts now.
    public mutating func connected(_ id: LinkID, now: Instant) -> [SessionAction] {
        guard links[id]?.phase == .connecting else { return [.close(id, reason: "logged out")] } // we left meanwhile
        links[id]!.opened = now
        links[id]!.phase = .handshaking(deadline: now + settings.handshakeTimeout)
        return []
    }

    /// Someone connected to our listener from `source`: the link to use, with the closes that
    /// make room for it, or nil to close it at once (we are offline or leaving). Past the cap on
    /// unauthenticated connections from its source, the oldest from that source closes; past the
    /// overall cap, the oldest from the source that holds the most. It must send its M1 within
    /// ``SessionSettings/firstMessageTimeout``. A connection a relay handed us (a buddy dialled
    /// our relayed address) has `path` ``SessionPath/relayed``, and the relay's address as source.
    public mutating func accept(from source: String, path: SessionPath = .direct, now: Instant) -> (LinkID, [SessionAction])? {
        guard mode == .running, peerID.isOnline else { return nil }
        let strangers = links.filter(\.value.isStranger)
        let fromSource = strangers.filter { $0.value.source == source }
        var crowded = fromSource
        if fromSource.count < settings.maxUnauthenticatedPerSource {
            guard strangers.count >= settings.maxUnauthenticated else { return openLink(from: source, path: path, now: now, making: []) }
            let counts = Dictionary(grouping: strangers.values.compactMap(\.source), by: { $0 }).mapValues(\.count)
            let busiest = counts.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key
            crowded = strangers.filter { $0.value.source == busiest }
        }
        let oldest = crowded.min { ($0.value.opened, $0.key) < ($1.value.opened, $1.key) }?.key
        return openLink(from: source, path: path, now: now, making: oldest.map { leave($0, goodbye: false, reason: "too many connections", now: now) } ?? [])
    }

    private mutating func openLink(from source: String, path: SessionPath, now: Instant, making room: [SessionAction]) -> (LinkID, [SessionAction]) {
        let id = newLinkID()
        links[id] = Link(
            origin: .accepted(source: source), phase: .handshaking(deadline: now + settings.firstMessageTimeout), path: path,
            opened: now, stated: presence, lastHeard: now, nextPing: now
        )
        return (id, room)
    }

    /// An M1 arrived on a link: true when its source's budget (and, for a source not known to be
    /// a buddy's, the overall one) allows the handshake, checked before any public-key work.
    /// The rest of the handshake must be done within ``SessionSettings/handshakeTimeout`` of the accept.
    public mutating func admitsHandshake(on id: LinkID, now: Instant) -> Bool {
        guard let link = links[id], case .handshaking = link.phase else { return false }
        guard let source = link.source else { return true } // an M1 crossing ours, on our own dial to a buddy
        guard budget.take(source, known: buddyHosts.contains(source), now: now) else { return false }
        links[id]!.phase = .handshaking(deadline: link.opened + settings.handshakeTimeout)
        return true
    }

    /// The checks of an M1 whose boxes opened: an accepted buddy's trusted key and our current
    /// peer ID. (The replay check is ``ReplayGuard``'s.)
    public func admits(remoteStatic: [UInt8], responderPeerID: PeerID) -> HandshakeError? {
        guard trustedKeys[remoteStatic] != nil else { return .unknownPeer }
        guard mode == .running, peerID.isOnline, responderPeerID == peerID else { return .stalePeerID }
        return nil
    }

    /// ``admits(remoteStatic:responderPeerID:)`` for the M1 on link `id`; an admitted link is
    /// then known to be that buddy's, while its handshake completes.
    public mutating func admit(_ id: LinkID, remoteStatic: [UInt8], responderPeerID: PeerID) -> HandshakeError? {
        if let refusal = admits(remoteStatic: remoteStatic, responderPeerID: responderPeerID) { return refusal }
        links[id]?.claimed = trustedKeys[remoteStatic]
        return nil
    }

    /// A link authenticated its peer: the session with a buddy, unless the key is no longer
    /// trusted or the buddy was removed meanwhile. Of two sessions with one buddy, the one
    /// ``keeps(_:over:)`` names stays and the other closes. `online` is reported once per arrival.
    public mutating func established(
        _ id: LinkID, remoteStatic: [UInt8], remotePeerID: PeerID?, presence: PeerPresence, timestamp: UInt64, now: Instant
    ) -> [SessionAction] {
        guard var link = links[id], case .handshaking = link.phase else { return [.close(id, reason: "logged out")] }
        var actions: [SessionAction] = []
        let name: Username
        // A responder learns the initiator's peer ID from M1; an initiator gets none.
        link.initiator = remotePeerID == nil
        switch link.origin {
        case .dialled(let buddy):
            name = buddy
            if !link.initiator { // both dialled into one connection, and we answered their M1
                guard trustedKeys[remoteStatic] == buddy else { return leave(id, goodbye: false, reason: "unknown peer", now: now) + handshakeEnded(link, now: now) }
                link.remotePeerID = remotePeerID
                actions.append(.recordReplay(key: remoteStatic, timestamp: timestamp))
            }
        case .accepted(let source):
            guard let buddy = trustedKeys[remoteStatic] else {
                return leave(id, goodbye: false, reason: "unknown peer", now: now) + handshakeEnded(link, now: now)
            }
            name = buddy
            budget.refund(source, now: now) // a buddy's handshake costs no budget
            link.remotePeerID = remotePeerID
            actions.append(.recordReplay(key: remoteStatic, timestamp: timestamp))
        }
        guard buddies[name] != nil, !distrusts(name) else { return leave(id, goodbye: false, reason: "removed", now: now) + handshakeEnded(link, now: now) }
        link.phase = .established(name)
        link.timestamp = timestamp
        link.presence = presence
        link.lastHeard = now
        link.nextPing = now + settings.keepalive.interval
        links[id] = link
        var replaced: Link?
        if let existingID = active[name], existingID != id, let existing = links[existingID] {
            let loser = keeps(link, over: existing, name) ? existingID : id
            actions += leave(loser, goodbye: false, reason: "replaced", now: now)
            guard loser == existingID else { return actions }
            replaced = existing
        }
        active[name] = id
        retries[name] = nil
        reached[name] = link.remotePeerID ?? buddies[name]?.peerID
        if link.path == .relayed {
            if upgrades[name] == nil { upgrades[name] = now + settings.upgradeInterval }
        } else {
            relayDials[name] = nil
            upgrades[name] = nil
        }
        // When one of our dials made the session, the other addresses of that attempt lost the
        // race. (A session the buddy dialled leaves our dials running: the tie-break may yet
        // prefer one of them, on both sides.)
        if case .dialled = link.origin {
            for (other, candidate) in links where candidate.dialling == name {
                actions += leave(other, goodbye: false, reason: "another address answered first", now: now)
            }
        }
        // A change published while the handshake ran went to no session: this one gets it now.
        if link.stated != self.presence { actions.append(.send(id, .presence(self.presence))) }
        if let peer = link.remotePeerID, peer != buddies[name]!.peerID {
            buddies[name]!.peerID = peer
            buddies[name]!.endpoint = nil // the server's addresses belong to the old login
            buddies[name]!.candidates = []
        }
        // A session that replaces a live one reports only a new status.
        let departure = departing.removeValue(forKey: name)
        if replaced != nil || departure != nil {
            if (replaced?.presence ?? departure?.presence) != presence { actions.append(.report(.presence(name, presence))) }
            actions += resendUnconfirmed(to: name, on: id)
        } else {
            outbox[name] = nil // what a past session left unconfirmed is not sent to a new arrival
            let endpoint = buddies[name]!.endpoint?.description
            actions.append(.report(.online(name, peerID: link.remotePeerID ?? .offline, endpoint: endpoint, path: link.path, presence: presence)))
        }
        return actions
    }

    // MARK: Traffic

    /// A transport message arrived on a link. Only the live session of a trusted buddy is heard:
    /// anything else (a link being closed, a removed buddy's) is dropped.
    public mutating func received(_ message: TransportMessage, on id: LinkID, now: Instant) -> [SessionAction] {
        guard let link = links[id], case .established(let name) = link.phase, active[name] == id, !distrusts(name) else { return [] }
        links[id]!.lastHeard = now
        switch message {
        case let .chat(messageID, text):
            // A message sent again after a session was replaced is confirmed again, shown once.
            guard firstSight(of: messageID, from: name) else { return [.send(id, .delivered(messageID))] }
            return [.send(id, .delivered(messageID)), .report(.message(from: name, id: messageID, text: text))]
        case .delivered(let messageID):
            // The connection passes one receipt per message it sent (docs/protocol.md 4.5).
            outbox[name]?.confirm(messageID)
            return [.report(.delivered(to: name, id: messageID))]
        case .presence(let presence):
            links[id]!.presence = presence
            return [.report(.presence(name, presence))]
        case .ping:
            return [.send(id, .pong)]
        case .hello, .pong, .goodbye:
            return []
        }
    }

    // MARK: Closing

    /// A dial's connect failed: a redial follows, with backoff.
    public mutating func dialFailed(_ id: LinkID, reason: String, now: Instant) -> [SessionAction] {
        closed(id, graceful: false, reason: reason, now: now)
    }

    /// A link closed. The live session's close reports `offline`; a lost one (not a goodbye), or
    /// a dial that never became a session, is redialled with backoff while the lease may last.
    public mutating func closed(_ id: LinkID, graceful: Bool, reason: String, now: Instant) -> [SessionAction] {
        guard let link = links.removeValue(forKey: id) else { return finishIfDone() }
        var actions: [SessionAction] = []
        switch link.phase {
        case .established(let name) where active[name] == id:
            active[name] = nil
            if !graceful, links.values.contains(where: { $0.candidate == name }) {
                // The other side kept another session and closed this one before ours completed.
                departing[name] = Departure(reason: reason, graceful: graceful, presence: link.presence)
            } else {
                actions.append(.report(.offline(name, reason: reason)))
                if !graceful { actions += scheduleRetry(name, now: now) }
            }
        case .connecting, .handshaking:
            actions += handshakeEnded(link, now: now)
        case .established, .leaving:
            break
        }
        return actions + finishIfDone()
    }

    /// A link that never became a session ended. Once no other link with the buddy is under way,
    /// a failed attempt is redialled, and a departure that waited for this link is reported now.
    mutating func handshakeEnded(_ link: Link, now: Instant) -> [SessionAction] {
        guard let name = link.candidate, active[name] == nil, !links.values.contains(where: { $0.candidate == name }) else { return [] }
        guard let departure = departing[name] else {
            guard link.dialling != nil else { return [] }
            // Every direct dial failed before the relay's turn: dial the relayed addresses now.
            return relayDials[name] != nil ? dialRelays(name, now: now) : scheduleRetry(name, now: now)
        }
        departing[name] = nil
        return [.report(.offline(name, reason: departure.reason))] + dropUnsent(to: name) + (departure.graceful ? [] : scheduleRetry(name, now: now))
    }

    mutating func newLinkID() -> LinkID {
        defer { nextLinkID += 1 }
        return nextLinkID
    }
}
