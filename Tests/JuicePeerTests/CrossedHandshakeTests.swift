import JuiceCore
@testable import JuicePeer
import Sodium
import Testing

/// TCP simultaneous open (hole punching): both sides dial, TCP joins the two dials into one
/// connection, and each side's M1 arrives where it waits for M2 (docs/protocol.md 4.5, crossed
/// M1s). The side with the smaller static key stays the initiator; the other answers.
@Suite struct CrossedHandshakeTests {
    let p = Parties()

    /// Both sides' connections, each an initiator that admits only the other's key.
    func crossedDials(bobAdmits: [UInt8]? = nil) throws -> (alice: PeerConnection, bob: PeerConnection, aliceM1: PeerFrame, bobM1: PeerFrame) {
        let aliceKey = p.alice.publicKey, bobKey = p.bob.publicKey
        let aliceHandshake = try HandshakeInitiator(
            localStatic: p.alice, remoteStatic: bobKey, timestamp: Parties.now(),
            initiatorPeerID: p.alicePeer, responderPeerID: p.bobPeer, presence: p.alicePresence
        )
        let bobHandshake = try HandshakeInitiator(
            localStatic: p.bob, remoteStatic: aliceKey, timestamp: Parties.now(),
            initiatorPeerID: p.bobPeer, responderPeerID: p.alicePeer, presence: p.bobPresence
        )
        let admitBob: PeerConnection.Admission = { $0.remoteStatic == bobKey ? nil : .unknownPeer }
        let admitAlice: PeerConnection.Admission = { [admitted = bobAdmits ?? aliceKey] in $0.remoteStatic == admitted ? nil : .unknownPeer }
        let (alice, aliceStart) = PeerConnection.initiator(aliceHandshake, localStatic: p.alice, remoteStatic: bobKey, presence: p.alicePresence, crossed: admitBob)
        let (bob, bobStart) = PeerConnection.initiator(bobHandshake, localStatic: p.bob, remoteStatic: aliceKey, presence: p.bobPresence, crossed: admitAlice)
        return (alice, bob, try #require(sent(aliceStart).first), try #require(sent(bobStart).first))
    }

    @Test func crossedM1sEndInOneSessionWhoeverArrivesFirst() throws {
        var (alice, bob, aliceM1, bobM1) = try crossedDials()
        let aliceStays = p.alice.publicKey.lexicographicallyPrecedes(p.bob.publicKey)
        let toAlice = alice.receive(bobM1), toBob = bob.receive(aliceM1)
        // The initiator drops the other's M1; the other answers with M2.
        #expect((aliceStays ? toAlice : toBob).isEmpty)
        let m2 = try #require(sent(aliceStays ? toBob : toAlice).first)
        #expect(m2.kind == .m2)
        var (initiator, responder) = aliceStays ? (alice, bob) : (bob, alice)
        let confirm = try #require(sent(initiator.receive(m2)).first)
        let answer = responder.receive(confirm)
        let responderSide = try #require(established(answer))
        #expect(responderSide.remotePeerID == (aliceStays ? p.alicePeer : p.bobPeer), "the responder learns the initiator's peer ID from M1")
        let initiatorSide = initiator.receive(try #require(sent(answer).first))
        #expect(isEstablished(initiatorSide))
        #expect(established(initiatorSide)?.remotePeerID == nil)
        // One session, both ways.
        let id = MessageID.random()
        let chat = try #require(sent(initiator.send(.chat(id: id, text: "punched"))).first)
        #expect(responder.receive(chat) == [.received(.chat(id: id, text: "punched"))])
        let receipt = try #require(sent(responder.send(.delivered(id))).first)
        #expect(initiator.receive(receipt) == [.received(.delivered(id))])
    }

    @Test func aCrossedM1FromAnotherKeyThanTheOneDialledCloses() throws {
        // Carol's M1 arrives on bob's dial to alice (or alice's to bob): never answered.
        let carol = try BoxKeyPair.generate()
        let (alice, bob, _, _) = try crossedDials()
        let carolM1 = try HandshakeInitiator(
            localStatic: carol, remoteStatic: p.alice.publicKey, timestamp: Parties.now(),
            initiatorPeerID: PeerID(rawValue: 9)!, responderPeerID: p.alicePeer, presence: p.bobPresence
        ).message1
        let carolM1ToBob = try HandshakeInitiator(
            localStatic: carol, remoteStatic: p.bob.publicKey, timestamp: Parties.now(),
            initiatorPeerID: PeerID(rawValue: 9)!, responderPeerID: p.bobPeer, presence: p.bobPresence
        ).message1
        // Whichever side answers crossed M1s closes on carol's; the other drops it.
        var a = alice, b = bob
        let actions = a.receive(PeerFrame(.m1, carolM1)) + b.receive(PeerFrame(.m1, carolM1ToBob))
        #expect(sent(actions).isEmpty)
        #expect(closed(actions) == HandshakeError.unknownPeer.description)
    }

    @Test func withoutACrossedAdmissionAnM1BeforeM2Closes() throws {
        var initiator = PeerConnection.initiator(try p.initiator(), localStatic: p.alice, remoteStatic: p.bob.publicKey, presence: p.alicePresence).0
        let bobM1 = try HandshakeInitiator(
            localStatic: p.bob, remoteStatic: p.alice.publicKey, timestamp: Parties.now(),
            initiatorPeerID: p.bobPeer, responderPeerID: p.alicePeer, presence: p.bobPresence
        ).message1
        #expect(closed(initiator.receive(PeerFrame(.m1, bobM1))) == PeerConnection.handshakeFailed)
    }
}
