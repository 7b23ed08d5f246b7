@testable import JuiceClient
import JuiceCore
import JuicePeer
import Testing

/// The buddies the peer network dials follow the stream: introductions and departures change
/// them, a stale departure does not, and only accepted buddies with a usable key are dialled.
@Suite struct BuddyRosterTests {
    let key = Array(repeating: UInt8(7), count: 32)

    func entry(_ name: String, peer: Int64 = 0, relation: BuddyEntry.Relation = .accepted, key: [UInt8]? = nil) -> BuddyEntry {
        BuddyEntry(
            username: name, relation: relation, publicKey: relation == .accepted ? (key ?? self.key) : nil,
            peerID: PeerID(rawValue: peer) ?? .offline, endpoint: peer == 0 ? nil : "127.0.0.1:\(4000 + peer)",
            status: peer == 0 ? .offline : .online, capabilities: Capabilities(camera: false, mic: false)
        )
    }

    func dialled(_ roster: BuddyRoster) -> [String: Int64] {
        Dictionary(uniqueKeysWithValues: roster.contacts(allowLoopback: true).map { ($0.username.value, $0.peerID.rawValue) })
    }

    /// An introduced buddy is dialled at their peer ID and endpoint; a departed one is offline.
    @Test func introductionsAndDeparturesChangeWhoIsDialled() throws {
        var roster = BuddyRoster([entry("bob")])
        roster.introduce(entry("bob", peer: 5))
        roster.introduce(entry("carol", peer: 6))
        #expect(dialled(roster) == ["bob": 5, "carol": 6])
        let bob = try #require(roster.contacts(allowLoopback: true).first)
        #expect(bob.endpoint?.description == "127.0.0.1:4005")

        roster.depart("bob", peerID: PeerID(rawValue: 5)!)
        #expect(dialled(roster) == ["bob": 0, "carol": 6])
        let departed = try #require(roster.entries["bob"])
        #expect(departed.endpoint == nil && departed.status == .offline)
    }

    /// A departure of a peer ID the buddy no longer has (they logged in again since) is stale and
    /// changes nothing; a departure of a buddy never heard of adds nobody.
    @Test func aStaleDepartureChangesNothing() {
        var roster = BuddyRoster([entry("bob", peer: 5)])
        roster.introduce(entry("bob", peer: 8))
        let before = roster
        roster.depart("bob", peerID: PeerID(rawValue: 5)!)
        #expect(roster == before)
        roster.depart("mallory", peerID: PeerID(rawValue: 5)!)
        #expect(roster == before)
    }

    /// A departure without a peer ID (0) takes the buddy offline whatever their peer ID was.
    @Test func aDepartureWithoutPeerIDAlwaysApplies() {
        var roster = BuddyRoster([entry("bob", peer: 5)])
        roster.depart("bob", peerID: .offline)
        #expect(dialled(roster) == ["bob": 0])
    }

    /// Requests either way, a buddy without a well-formed key, and a name that is not a username
    /// are not dialled; the rest come in name order.
    @Test func contactsAreTheWellFormedAcceptedBuddiesInNameOrder() {
        let roster = BuddyRoster([
            entry("zed", peer: 3), entry("amy", peer: 4),
            entry("incoming", relation: .incoming), entry("outgoing", relation: .outgoing),
            entry("shortkey", peer: 9, key: Array(key.dropLast())), entry("Not A Name", peer: 10),
        ])
        #expect(roster.contacts(allowLoopback: true).map(\.username.value) == ["amy", "zed"])
    }
}
