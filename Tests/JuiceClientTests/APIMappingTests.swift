import Foundation
import JuiceAPI
@testable import JuiceClient
import JuiceCore
import JuicePeer
import OpenAPIRuntime
import Sodium
import Testing

/// The generated API types become the client's own in one place; every field arrives.
@Suite struct APIMappingTests {
    let key = Array(repeating: UInt8(7), count: BoxKeyPair.publicKeyLength)

    func buddy(_ name: String = "bob", relation: Components.Schemas.Relation = .accepted, key: [UInt8]? = nil, peer: Int64 = 42) -> Components.Schemas.Buddy {
        Components.Schemas.Buddy(
            username: name, relation: relation, publicKey: key.map { Base64EncodedData($0) }, peerId: peer,
            endpoint: peer == 0 ? nil : "127.0.0.1:4000", status: peer == 0 ? .offline : .away, statusText: "lunch", camera: true, mic: false
        )
    }

    @Test func aBuddyKeepsEveryField() {
        let entry = BuddyEntry(buddy(key: key))
        #expect(entry == BuddyEntry(
            username: "bob", relation: .accepted, publicKey: key, peerID: PeerID(rawValue: 42)!, endpoint: "127.0.0.1:4000",
            status: .away, statusText: "lunch", capabilities: Capabilities(camera: true, mic: false)
        ))
    }

    /// Candidates from the server are checked one by one (docs/reachability.md 3.4): a bad one is
    /// dropped alone, an address twice is kept once, and loopback ones reach the peer network
    /// only when the server is on this machine.
    @Test func candidatesAreCheckedOneByOneAndLoopbackOnlyFromALoopbackServer() throws {
        var raw = buddy(key: key)
        raw.candidates = [
            .init(_type: .host, address: "10.0.1.2:7000"), .init(_type: .srflx, address: "203.0.113.1:7000"),
            .init(_type: .host, address: "10.0.1.2:7000"), .init(_type: .host, address: "127.0.0.1:7000"),
            .init(_type: .srflx, address: "203.0.113.1:80"), .init(_type: .host, address: "224.0.0.1:7000"),
            .init(_type: .host, address: "169.254.1.1:7000"), .init(_type: .host, address: "example.com:7000"),
            .init(_type: .host, address: "[fe80::1]:7000"), .init(_type: .relay, address: "[2001:db8::1]:50000"),
        ]
        let entry = BuddyEntry(raw)
        #expect(entry.candidates.map(\.description) == ["host 10.0.1.2:7000", "srflx 203.0.113.1:7000", "host 127.0.0.1:7000", "relay [2001:db8::1]:50000"])
        let remote = try #require(PeerNetwork.Buddy(entry, allowLoopback: false))
        #expect(remote.candidates.map(\.description) == ["host 10.0.1.2:7000", "srflx 203.0.113.1:7000", "relay [2001:db8::1]:50000"])
        #expect(try #require(PeerNetwork.Buddy(entry, allowLoopback: true)).candidates.count == 4)
        #expect(remote.directTargets.map(\.description) == ["host 10.0.1.2:7000", "srflx 203.0.113.1:7000"], "no loopback endpoint either")
        #expect(remote.relayTargets.map(\.description) == ["relay [2001:db8::1]:50000"], "the relay is dialled later")
        #expect(try #require(PeerNetwork.Buddy(entry, allowLoopback: true)).dialTargets.first?.description == "host 127.0.0.1:4000", "the endpoint first")
    }

    @Test func onlyAcceptedBuddiesWithAWellFormedKeyReachThePeerNetwork() throws {
        let accepted = try #require(PeerNetwork.Buddy(BuddyEntry(buddy(key: key)), allowLoopback: true))
        #expect(accepted == PeerNetwork.Buddy(username: try Username("bob"), publicKey: key, peerID: PeerID(rawValue: 42)!, endpoint: try Endpoint("127.0.0.1:4000")))
        #expect(PeerNetwork.Buddy(BuddyEntry(buddy(relation: .incoming, peer: 0)), allowLoopback: true) == nil)
        #expect(PeerNetwork.Buddy(BuddyEntry(buddy(key: Array(key.dropLast()))), allowLoopback: true) == nil)
        #expect(PeerNetwork.Buddy(BuddyEntry(buddy("Not A Name", key: key)), allowLoopback: true) == nil)
    }

    @Test func aLoginBecomesAGrantWithoutTheToken() throws {
        let keys = try AccountKeys.derive(password: SecretBytes(Array("Squeezed-Fresh-2026!".utf8)), username: try Username("alice"), realm: .default)
        let identity = try BoxKeyPair.generate()
        let sealed = try SealedIdentity.seal(identity, keyEncryptionKey: keys.keyEncryptionKey)
        let response = Components.Schemas.LoginResponse(
            username: "alice", token: String(repeating: "A", count: 43),
            lease: .init(peerId: 9, leaseSeconds: 60, leaseExpiresAt: Date()),
            identity: .init(publicKey: Base64EncodedData(sealed.publicKey), sealedSecret: Base64EncodedData(sealed.sealedSecret)),
            buddies: [buddy(key: key), buddy("carol", relation: .outgoing, peer: 0)]
        )
        let grant = try LoginGrant(response)
        #expect(grant.username == "alice")
        #expect(grant.lease == Lease(peerID: PeerID(rawValue: 9)!, seconds: 60))
        #expect(grant.buddies.map(\.username) == ["bob", "carol"])
        #expect(try grant.openIdentity(with: keys).publicKey == identity.publicKey)
        #expect(!String(describing: grant).contains(response.token))
    }

    @Test func aMalformedIdentityIsOneClearError() throws {
        let response = Components.Schemas.LoginResponse(
            username: "alice", token: String(repeating: "A", count: 43), lease: .init(peerId: 9, leaseSeconds: 60, leaseExpiresAt: Date()),
            identity: .init(publicKey: Base64EncodedData([1, 2, 3]), sealedSecret: Base64EncodedData([4])), buddies: []
        )
        #expect(throws: ServiceError.self) { try LoginGrant(response) }
    }
}
