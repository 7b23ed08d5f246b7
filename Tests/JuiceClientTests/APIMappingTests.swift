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

    @Test func onlyAcceptedBuddiesWithAWellFormedKeyReachThePeerNetwork() throws {
        let accepted = try #require(PeerNetwork.Buddy(BuddyEntry(buddy(key: key))))
        #expect(accepted == PeerNetwork.Buddy(username: try Username("bob"), publicKey: key, peerID: PeerID(rawValue: 42)!, endpoint: try Endpoint("127.0.0.1:4000")))
        #expect(PeerNetwork.Buddy(BuddyEntry(buddy(relation: .incoming, peer: 0))) == nil)
        #expect(PeerNetwork.Buddy(BuddyEntry(buddy(key: Array(key.dropLast())))) == nil)
        #expect(PeerNetwork.Buddy(BuddyEntry(buddy("Not A Name", key: key))) == nil)
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
