import JuiceCore
import JuicePeer

/// The buddies as the rendezvous stream last described them: the snapshot of the login (or of
/// a resumption), changed by each introduction and departure since. What the server says of
/// presence is a hint for dialling only: a buddy is shown online once their handshake is done.
struct BuddyRoster: Sendable, Equatable {
    private(set) var entries: [String: BuddyEntry] = [:]

    init(_ snapshot: [BuddyEntry]) {
        for entry in snapshot.prefix(Self.maxBuddies) { entries[entry.username] = entry }
    }

    /// At most this many buddies: introductions of new names past it are ignored, so a server
    /// cannot grow the client's lists (and its pin file) without end.
    static let maxBuddies = 2000

    /// An accepted buddy is online, or changed where or how they are.
    mutating func introduce(_ entry: BuddyEntry) {
        guard entries[entry.username] != nil || entries.count < Self.maxBuddies else { return }
        entries[entry.username] = entry
    }

    /// A buddy left. A departure of a peer ID other than the one last introduced is stale (the
    /// buddy has logged in again since) and changes nothing.
    mutating func depart(_ username: String, peerID: PeerID) {
        guard var entry = entries[username], entry.peerID == peerID || peerID == .offline else { return }
        entry.peerID = .offline
        entry.endpoint = nil
        entry.status = .offline
        entries[username] = entry
    }

    /// The accepted buddies as the peer network dials and admits them, in name order.
    func contacts(allowLoopback: Bool) -> [PeerNetwork.Buddy] {
        entries.keys.sorted().compactMap { entries[$0].flatMap { PeerNetwork.Buddy($0, allowLoopback: allowLoopback) } }
    }
}
