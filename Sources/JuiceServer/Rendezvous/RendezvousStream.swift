import JuiceCore
import Synchronization

/// One open rendezvous stream on this instance: where its lines go, and what the client has been
/// told, so that every event is a difference from it (buddy username → the peer ID last
/// introduced). Events are state, not history: re-reading a buddy twice sends nothing twice.
///
/// Lines wait in the stream until its response is written and the connection is held
/// (``attach(to:)``); from then on each goes straight to the connection's event loop.
final class RendezvousStream: Sendable {
    /// The account whose stream this is.
    let accountID: Int64
    /// The presence (peer ID) the stream belongs to.
    let peerID: PeerID
    private let onClose: @Sendable () -> Void
    private let state: Mutex<State>

    private enum Output {
        /// Lines waiting for the connection; `finished` if the stream ended meanwhile.
        case pending([[UInt8]], finished: Bool)
        case attached(HeldConnection)
        case finished
    }

    private struct State {
        var output: Output
        /// What the client was told of each online buddy: a new peer ID or new candidates are
        /// introduced again.
        var told: [String: Told]
        var lastLine: ContinuousClock.Instant
        /// The last receipt the client was given (docs/protocol.md 5.4).
        var receiptsTold: Int64
    }

    /// What an introduction said: the peer ID, and a hash of the candidates (the stream only asks
    /// whether they changed; a hash keeps its memory flat however many candidates a buddy has).
    private struct Told: Equatable {
        var peerID: Int64
        var candidates: Int

        init(_ buddy: BuddyEntry) {
            peerID = buddy.peerID.rawValue
            candidates = buddy.candidates.hashValue
        }
    }

    /// A stream that starts with `firstLine`, whose client knows `buddies` as the login reply
    /// gave them. `onClose` runs once when the stream ends for any reason.
    /// `receiptsTold` is the last receipt `firstLine` carried.
    init(accountID: Int64, peerID: PeerID, firstLine: [UInt8], buddies: [BuddyEntry], receiptsTold: Int64, onClose: @escaping @Sendable () -> Void) {
        self.accountID = accountID
        self.peerID = peerID
        self.onClose = onClose
        var told: [String: Told] = [:]
        for buddy in buddies where buddy.isOnline { told[buddy.username.value] = Told(buddy) }
        state = Mutex(State(output: .pending([firstLine], finished: false), told: told, lastLine: .now, receiptsTold: receiptsTold))
    }

    /// Sends what changed about `buddy` since the client was last told; `introductions` builds
    /// the line (shared by the streams told of one notification).
    func update(_ buddy: BuddyEntry, introductions: IntroductionLines = IntroductionLines()) {
        let line: [UInt8]? = state.withLock { state in
            let name = buddy.username.value, told = state.told[name]
            if buddy.isOnline {
                guard told != Told(buddy) else { return nil }
                state.told[name] = Told(buddy)
                return introductions.line(for: buddy)
            }
            guard let told else { return nil }
            state.told[name] = nil
            return RendezvousLine.departure(username: name, peerID: told.peerID)
        }
        if let line { write(line) }
    }

    /// `username` is no longer a buddy: a departure if it was introduced.
    func forget(_ username: String) {
        let told = state.withLock { $0.told.removeValue(forKey: username) }
        if let told { write(RendezvousLine.departure(username: username, peerID: told.peerID)) }
    }

    /// Sends what changed since the client was last told, from the whole buddy list.
    func resynchronise(_ buddies: [BuddyEntry]) {
        for buddy in buddies { update(buddy) }
        let listed = Set(buddies.map(\.username.value))
        let gone = state.withLock { state in
            let gone = state.told.filter { !listed.contains($0.key) }
            for name in gone.keys { state.told[name] = nil }
            return gone
        }
        for (name, told) in gone { write(RendezvousLine.departure(username: name, peerID: told.peerID)) }
    }

    /// The last receipt the client was given.
    var receiptsTold: Int64 { state.withLock { $0.receiptsTold } }

    /// Sends the receipts the client was not given yet.
    func deliver(_ receipts: [ReceiptRecord]) {
        let new = state.withLock { state in
            let new = receipts.filter { $0.seq > state.receiptsTold }
            state.receiptsTold = max(state.receiptsTold, new.map(\.seq).max() ?? 0)
            return new
        }
        for receipt in new { write(RendezvousLine.receipt(receipt)) }
    }

    /// Sends a keepalive if nothing was sent for `interval`.
    func keepAlive(after interval: Duration) {
        let due = state.withLock { ContinuousClock.now - $0.lastLine >= interval }
        if due { write(RendezvousLine.keepalive) }
    }

    /// The stream's connection is held: the lines so far, and every later one, go to it in order.
    /// A stream that ended meanwhile sends what it had, then ends the connection.
    func attach(to connection: HeldConnection) {
        state.withLock { state in
            guard case .pending(let lines, let finished) = state.output else { return connection.end() }
            connection.send(lines)
            if finished {
                state.output = .finished
                connection.end()
            } else {
                state.output = .attached(connection)
            }
        }
    }

    /// Says why the server ends the stream, then ends it.
    func end(reason: String) {
        write(RendezvousLine.ended(reason: reason))
        finish()
    }

    /// Ends the stream, once, whatever ends it: the server, the client going away, or a response
    /// that was never written. `onClose` of ``init(accountID:peerID:firstLine:buddies:receiptsTold:onClose:)`` runs.
    func finish() {
        let first = state.withLock { state in
            switch state.output {
            case .finished, .pending(_, finished: true):
                return false
            case .pending(let lines, finished: false):
                state.output = .pending(lines, finished: true)
            case .attached(let connection):
                state.output = .finished
                connection.end()
            }
            return true
        }
        if first { onClose() }
    }

    /// Queues a line: the connection's event loop writes it after every earlier one (queued while
    /// the lock is held, so two writers cannot swap their lines). Before the connection is held,
    /// at most ``HeldStreamHandler/backlogLimit`` lines wait; one more ends the stream, as a slow
    /// reader's does (a client that reads nothing can keep its response head from being written).
    private func write(_ line: [UInt8]) {
        let overflow = state.withLock { state in
            state.lastLine = .now
            switch state.output {
            case .pending(var lines, finished: false):
                state.output = .finished // lets go of the array, so the append does not copy it
                lines.append(line)
                state.output = .pending(lines, finished: false)
                return lines.count > HeldStreamHandler.backlogLimit
            case .attached(let connection):
                connection.send([line])
            default:
                break
            }
            return false
        }
        if overflow { finish() }
    }
}

/// The introduction lines of one notification. Every recipient who is an accepted buddy sees the
/// same entry of its subject, so its line is built once, not once per stream.
final class IntroductionLines {
    private var last: (entry: BuddyEntry, line: [UInt8])?

    /// The introduction of `buddy`.
    func line(for buddy: BuddyEntry) -> [UInt8] {
        if let last, last.entry == buddy { return last.line }
        let line = RendezvousLine.introduction(buddy)
        last = (buddy, line)
        return line
    }
}

extension BuddyEntry {
    /// An accepted buddy whose presence is live: the stream introduces exactly these.
    var isOnline: Bool { relation == .accepted && peerID != .offline }
}
