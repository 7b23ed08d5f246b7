import JuiceCore
@testable import JuicePeer
import Sodium
import Testing

/// A ``BuddySessions`` driven by hand on a virtual clock: events in, actions out, no sockets.
struct Machine {
    var sessions: BuddySessions
    var now = ContinuousClock.now
    /// Everything reported so far, in order.
    var reports: [PeerEvent] = []

    static let me = try! Username("bob")
    static let alice = try! Username("alice"), carol = try! Username("carol")
    static let alicePeer = PeerID(rawValue: 111)!, myPeer = PeerID(rawValue: 222)!
    static let aliceKey = [UInt8](repeating: 0xA1, count: 32), carolKey = [UInt8](repeating: 0xC1, count: 32)
    static let presence = PeerPresence(capabilities: Capabilities(camera: true, mic: false))

    /// Bob, online, with the settings' defaults (a 5 s keepalive, a 300 s redial window).
    init(settings: SessionSettings = SessionSettings()) {
        sessions = BuddySessions(username: Self.me, presence: PeerPresence(capabilities: .none), settings: settings, now: now)
        sessions.goOnline(peerID: Self.myPeer, retryWindow: nil, now: now)
    }

    /// Runs one event and keeps its reports.
    @discardableResult
    mutating func run(_ event: (inout BuddySessions, ContinuousClock.Instant) throws -> [SessionAction]) rethrows -> [SessionAction] {
        let actions = try event(&sessions, now)
        reports += actions.compactMap { if case .report(let report) = $0 { report } else { nil } }
        return actions
    }

    /// Moves the clock on and runs the timer, as the driver does at each deadline in between.
    @discardableResult
    mutating func advance(_ duration: Duration, step: Duration = .milliseconds(100)) -> [SessionAction] {
        var actions: [SessionAction] = []
        let end = now + duration
        while now < end {
            now = min(end, now + step)
            actions += run { $0.tick(now: $1) }
        }
        return actions
    }

    /// Links closed to make room for a connection, so far.
    var evicted: [BuddySessions.LinkID] = []

    /// Someone connects from `source`.
    mutating func accept(from source: String) -> BuddySessions.LinkID? {
        guard let (id, actions) = sessions.accept(from: source, now: now) else { return nil }
        evicted += closes(actions).keys.sorted()
        return id
    }

    /// An M1 arrives on `link`.
    mutating func admitsHandshake(_ link: BuddySessions.LinkID) -> Bool { sessions.admitsHandshake(on: link, now: now) }

    /// Alice (and carol), as the server lists them: online at an endpoint, or offline.
    static func alice(online: Bool = true, key: [UInt8] = aliceKey) -> BuddyContact {
        BuddyContact(username: alice, publicKey: key, peerID: online ? alicePeer : .offline, endpoint: online ? try! Endpoint("127.0.0.1:4000") : nil)
    }

    static func carol(online: Bool = true) -> BuddyContact {
        BuddyContact(username: carol, publicKey: carolKey, peerID: online ? PeerID(rawValue: 333)! : .offline, endpoint: online ? try! Endpoint("127.0.0.1:4001") : nil)
    }

    @discardableResult
    mutating func setBuddies(_ list: [BuddyContact], trust: [Username: KeyTrust] = [:]) -> [SessionAction] {
        run { $0.update(buddies: list.map { ($0, trust[$0.username] ?? .trusted) }, now: $1) }
    }

    /// Alice dials bob from `source` and completes the handshake: the link, and what bob did.
    mutating func aliceArrives(from source: String = "127.0.0.1", peerID: PeerID = alicePeer, presence: PeerPresence = presence, timestamp: UInt64 = 1_000) -> (BuddySessions.LinkID, [SessionAction]) {
        let id = accept(from: source)!
        let admitted = sessions.admitsHandshake(on: id, now: now)
        #expect(admitted)
        #expect(sessions.admits(remoteStatic: Self.aliceKey, responderPeerID: Self.myPeer) == nil)
        let actions = run { $0.established(id, remoteStatic: Self.aliceKey, remotePeerID: peerID, presence: presence, timestamp: timestamp, now: $1) }
        return (id, actions)
    }

    /// Alice dials bob again: her M1 is admitted, and the handshake is under way.
    mutating func aliceDialsAgain() -> BuddySessions.LinkID? {
        guard let id = accept(from: "127.0.0.1"), admitsHandshake(id),
              sessions.admit(id, remoteStatic: Self.aliceKey, responderPeerID: Self.myPeer) == nil else { return nil }
        return id
    }

    /// Bob with a session with alice (offline in his list), and alice dialling him again: her
    /// second handshake is under way. Returns both links.
    mutating func aliceRedialsDuringASession() -> (first: BuddySessions.LinkID, second: BuddySessions.LinkID?) {
        setBuddies([Self.alice(online: false)])
        let (first, _) = aliceArrives()
        return (first, aliceDialsAgain())
    }

    /// Bob with alice online in his list: his dial to her, connected and handshaking.
    mutating func bobDialsAlice() -> BuddySessions.LinkID? {
        guard let link = dials(setBuddies([Self.alice()])).first else { return nil }
        run { $0.connected(link, now: $1) }
        return link
    }

    /// Bob's dial to alice (asked for in `actions`) connects and completes the handshake.
    mutating func dialCompletes(_ id: BuddySessions.LinkID, timestamp: UInt64 = 1_000) -> [SessionAction] {
        run { $0.connected(id, now: $1) }
        return run { $0.established(id, remoteStatic: Self.aliceKey, remotePeerID: nil, presence: Self.presence, timestamp: timestamp, now: $1) }
    }
}

/// The links `actions` ask to dial.
func dials(_ actions: [SessionAction]) -> [BuddySessions.LinkID] {
    actions.compactMap { if case .dial(let id, _) = $0 { id } else { nil } }
}

/// The links `actions` close at once, with the reasons.
func closes(_ actions: [SessionAction]) -> [BuddySessions.LinkID: String] {
    Dictionary(uniqueKeysWithValues: actions.compactMap { if case let .close(id, reason) = $0 { (id, reason) } else { nil } })
}

/// The messages `actions` send on `link`.
func sends(_ actions: [SessionAction], on link: BuddySessions.LinkID) -> [TransportMessage] {
    actions.compactMap { if case let .send(id, message) = $0, id == link { message } else { nil } }
}

extension PeerEvent {
    var isOnline: Bool {
        switch self {
        case .online: return true
        default: return false
        }
    }

    var isOffline: Bool {
        switch self {
        case .offline: return true
        default: return false
        }
    }

    var isMessage: Bool {
        switch self {
        case .message: return true
        default: return false
        }
    }
}
