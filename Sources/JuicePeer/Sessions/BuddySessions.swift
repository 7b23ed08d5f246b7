import JuiceCore

/// The life of every buddy session as one pure state machine: events in, ``SessionAction``s out,
/// no I/O and no clock of its own (every event carries `now`).
///
/// It decides, per buddy: when to dial and whether a dial is a duplicate; which of two sessions
/// to keep (``keeps(_:over:)``); the handshake deadline; redials with backoff, first dials too;
/// keepalive pings and dead-peer detection; what a changed, shared or removed key stops; the
/// per-source budget for handshakes and the cap on unauthenticated connections; and the goodbye
/// on leaving, flushed before the close, with a deadline. ``PeerNetwork`` and the channel
/// handler only carry out the actions.
public struct BuddySessions: Sendable {
    public typealias Instant = ContinuousClock.Instant

    /// One connection, from the moment it is dialled or accepted to its close.
    struct Link: Sendable {
        enum Origin: Equatable {
            /// We dialled this buddy.
            case dialled(Username)
            /// Someone dialled us, from this source (an IP address, or an IPv6 /64).
            case accepted(source: String)
        }

        enum Phase: Equatable {
            /// A dial whose TCP connect has not completed.
            case connecting
            /// Open, not yet authenticated; closed at `deadline`.
            case handshaking(deadline: Instant)
            /// The session with a buddy.
            case established(Username)
            /// Closing (a goodbye being written, or a close asked for); forced at `deadline`. Its
            /// close reports nothing more.
            case leaving(deadline: Instant)
        }

        let origin: Origin
        var phase: Phase
        /// Which way its bytes travel: a dial's from the candidate it dialled, `direct` when accepted.
        var path: SessionPath = .direct
        /// The address a dial went to.
        var target: Endpoint?
        /// When the connection was dialled or accepted.
        var opened: Instant
        /// The buddy's peer ID: the one dialled, or the one their M1 states.
        var remotePeerID: PeerID?
        /// M1's timestamp, once established: the tie-break between two sessions one side dialled.
        var timestamp: UInt64 = 0
        /// True once established if our M1 made the session: we dialled it and, if both sides
        /// dialled into one TCP connection, ours was the M1 that stayed (docs/protocol.md 4.5).
        var initiator = true
        /// The buddy's presence as last reported on this link.
        var presence: PeerPresence?
        /// Our presence as this link's handshake states it (fixed when it was dialled or accepted).
        var stated: PeerPresence?
        var lastHeard: Instant
        var nextPing: Instant

        /// The buddy whose M1 (with their trusted key) this accepted link admitted.
        var claimed: Username?

        /// The buddy this link is a dial to, until it is established or closing.
        var dialling: Username? {
            switch (phase, origin) {
            case (.connecting, .dialled(let name)), (.handshaking, .dialled(let name)): name
            default: nil
            }
        }

        /// The source of an accepted link.
        var source: String? { if case .accepted(let source) = origin { source } else { nil } }

        /// True while an accepted link is not yet authenticated.
        var isStranger: Bool { if case .handshaking = phase, source != nil { true } else { false } }

        /// The buddy this link may yet become a session with: a dial to them, or an accepted
        /// link whose M1 named them, until it is established or closing.
        var candidate: Username? {
            guard case .handshaking = phase else { return dialling }
            return dialling ?? claimed
        }
    }

    /// Redials of one buddy: the next attempt (nil while one is under way), the delay after the
    /// next failure, and when to give up.
    struct Retry: Sendable, Equatable {
        var at: Instant?
        var delay: Duration
        let until: Instant
    }

    /// A session that closed while another with the same buddy was being set up (the other
    /// side's tie-break closed it first): its `offline` waits for that other one to fail.
    struct Departure: Sendable, Equatable {
        var reason: String
        var graceful: Bool
        var presence: PeerPresence?
    }

    enum Mode: Equatable {
        case running
        case leaving(deadline: Instant)
        case finished
    }

    let username: Username
    var settings: SessionSettings
    var mode = Mode.running
    /// Our peer ID for this login; offline until ``goOnline(peerID:retryWindow:now:)``.
    var peerID = PeerID.offline
    /// Our flags and status as buddies see them.
    public private(set) var presence: PeerPresence
    var buddies: [Username: BuddyContact] = [:]
    var trust: [Username: KeyTrust] = [:]
    /// The keys of trusted buddies, for admitting M1s.
    var trustedKeys: [[UInt8]: Username] = [:]
    /// The hosts of buddies' endpoints: M1s from there do not draw on the overall budget.
    var buddyHosts: Set<String> = []
    var links: [LinkID: Link] = [:]
    var active: [Username: LinkID] = [:]
    var retries: [Username: Retry] = [:]
    /// The login (peer ID) of each buddy we last had a session with: once it is lost, that buddy
    /// reads offline; a buddy online by the server's word whom no path ever reached has no route.
    var reached: [Username: PeerID] = [:]
    /// When each buddy was dialled in the last minute (at most ``SessionSettings/maxDialsPerBuddyPerMinute``).
    var recentDials: [Username: [Instant]] = [:]
    /// When anyone was dialled in the last minute (at most ``SessionSettings/maxDialsPerMinute``).
    var allRecentDials: [Instant] = []
    /// When an attempt's relayed addresses are dialled, unless a direct dial made a session first.
    var relayDials: [Username: Instant] = [:]
    /// When the direct dials are tried again for a session that runs through a relay.
    var upgrades: [Username: Instant] = [:]
    var departing: [Username: Departure] = [:]
    /// Chat messages sent to each buddy and not yet confirmed.
    var outbox: [Username: Outbox] = [:]
    /// The message IDs last received from each buddy.
    var received: [Username: RecentIDs] = [:]
    var budget: AdmissionBudget
    var nextLinkID: LinkID = 1

    public init(username: Username, presence: PeerPresence, settings: SessionSettings, now: Instant) {
        self.username = username
        self.presence = presence
        self.settings = settings
        budget = AdmissionBudget(perSource: settings.perSource, overall: settings.overall, now: now)
    }

    // MARK: Going online, the buddy list and trust

    /// Starts answering and dialling with a new peer ID; redials last `retryWindow` (the lease).
    public mutating func goOnline(peerID: PeerID, retryWindow: Duration?, now: Instant) {
        self.peerID = peerID
        if let retryWindow { settings.retryWindow = min(retryWindow, SessionSettings.maxRetryWindow) }
    }

    /// Replaces the buddy list, with what the pins say of each key, and dials the arrivals who
    /// are online. A buddy no longer in the list, or no longer trusted, loses the live session
    /// (a goodbye, then the close), any redial, and admission.
    public mutating func update(buddies list: [(BuddyContact, KeyTrust)], now: Instant) -> [SessionAction] {
        var actions: [SessionAction] = []
        var next: [Username: BuddyContact] = [:], nextTrust: [Username: KeyTrust] = [:]
        for (buddy, verdict) in list {
            next[buddy.username] = buddy
            nextTrust[buddy.username] = verdict
            // Reported once, when the key stops matching; not again at every refresh.
            if case .changed(let number) = verdict, !Self.isChanged(trust[buddy.username]) {
                actions.append(.report(.keyChanged(buddy.username, safetyNumber: number)))
            }
        }
        buddies = next
        trust = nextTrust
        trustedKeys = [:]
        for buddy in next.values where !distrusts(buddy.username) { trustedKeys[buddy.publicKey] = buddy.username }
        buddyHosts = Set(next.values.compactMap { $0.endpoint.map { SourceAddress.of(ip: $0.host) } })
        let engaged = Set(active.keys).union(retries.keys).union(departing.keys).union(links.values.compactMap(\.candidate))
        for name in engaged.sorted() where next[name] == nil || distrusts(name) {
            actions += endSession(with: name, reason: next[name] == nil ? "removed" : "key no longer trusted", now: now)
        }
        for buddy in list.map(\.0) where buddy.peerID.isOnline { actions += dial(buddy.username, now: now) }
        return actions
    }

    /// The user accepted a buddy's changed key (after comparing safety numbers): trusted again,
    /// and dialled if online.
    public mutating func keyAccepted(_ name: Username, now: Instant) -> [SessionAction] {
        guard let buddy = buddies[name], trust[name] != .shared else { return [] }
        trust[name] = .trusted
        trustedKeys[buddy.publicKey] = name
        return dial(name, now: now)
    }

    static func isChanged(_ trust: KeyTrust?) -> Bool {
        if case .changed = trust { true } else { false }
    }

    /// True when a buddy's key changed since it was pinned, or is stated for someone else too.
    func distrusts(_ name: Username) -> Bool {
        switch trust[name] {
        case .trusted: false
        case .changed, .shared: true
        case nil: true
        }
    }

    /// Ends everything with a buddy: the live session with a goodbye (reported `offline` with
    /// `reason`), and any redial.
    mutating func endSession(with name: Username, reason: String, now: Instant) -> [SessionAction] {
        retries[name] = nil
        relayDials[name] = nil
        upgrades[name] = nil
        var actions: [SessionAction] = []
        for (id, link) in links where link.candidate == name {
            actions += leave(id, goodbye: false, reason: reason, now: now)
        }
        if departing.removeValue(forKey: name) != nil { actions += [.report(.offline(name, reason: reason))] + dropUnsent(to: name) }
        outbox[name] = nil
        guard let id = active.removeValue(forKey: name) else { return actions }
        return actions + leave(id, goodbye: true, reason: reason, now: now) + [.report(.offline(name, reason: reason))]
    }

    // MARK: Presence

    /// Pushes new flags or status to every trusted buddy's session.
    public mutating func publish(_ presence: PeerPresence) -> [SessionAction] {
        self.presence = presence
        return active.filter { !distrusts($0.key) }.values.sorted().map { .send($0, .presence(presence)) }
    }

    /// The buddy as the list last described them (peer ID and endpoint as their session states).
    public func buddy(_ name: Username) -> BuddyContact? { buddies[name] }

    /// What the pins say of a buddy's key.
    public func keyTrust(_ name: Username) -> KeyTrust? { trust[name] }

    /// The link that carries the session with `name`, if any.
    public func activeLink(_ name: Username) -> LinkID? { active[name] }

    /// Which way the live session with `name` runs, if there is one.
    public func path(of name: Username) -> SessionPath? { active[name].flatMap { links[$0]?.path } }

    // MARK: Leaving

    /// Leaves: no more dials or admissions; a goodbye on every session, each flushed before its
    /// close and forced at ``SessionSettings/goodbyeTimeout``; ``SessionAction/finish`` once every
    /// link is closed, or at that deadline.
    public mutating func leave(now: Instant) -> [SessionAction] {
        guard mode == .running else { return [] }
        let deadline = now + settings.goodbyeTimeout
        mode = .leaving(deadline: deadline)
        retries = [:]
        relayDials = [:]
        upgrades = [:]
        departing = [:]
        var actions: [SessionAction] = [.stopListening]
        for id in links.keys.sorted() {
            guard let link = links[id] else { continue }
            switch link.phase {
            case .connecting: links[id] = nil // its connect will be closed when it completes
            case .established: actions += leave(id, goodbye: true, reason: "logged out", now: now)
            case .handshaking: actions += leave(id, goodbye: false, reason: "logged out", now: now)
            case .leaving: break
            }
        }
        active = [:]
        return actions + finishIfDone()
    }

    /// Closes one link: with a goodbye (written before the close), or at once.
    mutating func leave(_ id: LinkID, goodbye: Bool, reason: String, now: Instant) -> [SessionAction] {
        guard links[id] != nil else { return [] }
        links[id]!.phase = .leaving(deadline: now + settings.goodbyeTimeout)
        return [goodbye ? .sayGoodbye(id) : .close(id, reason: reason)]
    }

    mutating func finishIfDone() -> [SessionAction] {
        guard case .leaving = mode, links.isEmpty else { return [] }
        mode = .finished
        return [.finish]
    }

    /// True once ``SessionAction/finish`` was asked for.
    public var isFinished: Bool { mode == .finished }
}
