import Foundation
import JuiceCore
@testable import JuicePeer
import Sodium
import JuiceTestSupport
import Testing

/// Two parties and the helpers to run a handshake between state machines, without sockets.
struct Parties {
    let alice = try! BoxKeyPair.generate()
    let bob = try! BoxKeyPair.generate()
    let alicePeer = PeerID(rawValue: 111)!
    let bobPeer = PeerID(rawValue: 222)!
    let alicePresence = PeerPresence(capabilities: Capabilities(camera: true, mic: false), status: .online, statusText: "hi")
    let bobPresence = PeerPresence(capabilities: Capabilities(camera: false, mic: true), status: .busy, statusText: "")

    static func now() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }

    func initiator(timestamp: UInt64 = Parties.now(), to responder: BoxKeyPair? = nil, responderPeer: PeerID? = nil, presence: PeerPresence? = nil, as local: BoxKeyPair? = nil) throws -> HandshakeInitiator {
        try HandshakeInitiator(
            localStatic: local ?? alice, remoteStatic: (responder ?? bob).publicKey, timestamp: timestamp,
            initiatorPeerID: alicePeer, responderPeerID: responderPeer ?? bobPeer, presence: presence ?? alicePresence
        )
    }

    /// A responder that admits only alice's key, bob's current peer ID and fresh timestamps.
    func responder(localStatic: BoxKeyPair? = nil, replayGuard: ReplayGuard? = nil) -> PeerConnection {
        let aliceKey = alice.publicKey, bobPeer = self.bobPeer
        return PeerConnection.responder(localStatic: localStatic ?? bob, presence: bobPresence) { hello in
            guard hello.remoteStatic == aliceKey else { return .unknownPeer }
            guard hello.responderPeerID == bobPeer else { return .stalePeerID }
            if let replayGuard, !replayGuard.admits(key: hello.remoteStatic, timestamp: hello.timestamp, now: Parties.now()) { return .replayed }
            return nil
        }
    }
}

/// Frames a machine asked to send.
func sent(_ actions: [PeerConnection.Action]) -> [PeerFrame] {
    actions.compactMap { if case .send(let frame) = $0 { frame } else { nil } }
}

func closed(_ actions: [PeerConnection.Action]) -> String? {
    actions.lazy.compactMap { if case .close(_, let reason) = $0 { reason } else { nil } }.first
}

func isEstablished(_ actions: [PeerConnection.Action]) -> Bool {
    established(actions) != nil
}

/// The details of the `established` action, if there is one.
func established(_ actions: [PeerConnection.Action]) -> (remoteStatic: [UInt8], remotePeerID: PeerID?, presence: PeerPresence, timestamp: UInt64)? {
    actions.lazy.compactMap { if case let .established(key, peer, presence, timestamp) = $0 { (key, peer, presence, timestamp) } else { nil } }.first
}

/// A full handshake; returns both machines established and the frames exchanged.
func handshake(_ p: Parties) throws -> (initiator: PeerConnection, responder: PeerConnection, m1: PeerFrame, m2: PeerFrame, confirm: PeerFrame, answer: PeerFrame) {
    let (i0, start) = PeerConnection.initiator(try p.initiator(), localStatic: p.alice, remoteStatic: p.bob.publicKey, presence: p.alicePresence)
    var initiator = i0
    var responder = p.responder()
    let m1 = try #require(sent(start).first)
    let m2 = try #require(sent(responder.receive(m1)).first)
    let afterM2 = initiator.receive(m2)
    #expect(!isEstablished(afterM2)) // not until the responder's hello opens
    let confirm = try #require(sent(afterM2).first)
    let afterConfirm = responder.receive(confirm)
    #expect(isEstablished(afterConfirm))
    let answer = try #require(sent(afterConfirm).first)
    let timestamp = try #require(established(afterConfirm)?.timestamp)
    #expect(initiator.receive(answer) == [.established(remoteStatic: p.bob.publicKey, remotePeerID: nil, presence: p.bobPresence, timestamp: timestamp)])
    return (initiator, responder, m1, m2, confirm, answer)
}

func flipped(_ frame: PeerFrame, bit: Int) -> PeerFrame {
    var body = frame.body
    body[bit / 8] ^= UInt8(1 << (bit % 8))
    return PeerFrame(frame.kind, body)
}


/// A responder established with an initiator that the test drives by hand: `push` seals any
/// bytes as the initiator's next record, so a test can send what an honest client never would.
func responderWithHandRolledInitiator(_ p: Parties) throws -> (responder: PeerConnection, push: SecretStream.Push) {
    let initiator = try p.initiator()
    var responder = p.responder()
    let m2 = try #require(sent(responder.receive(PeerFrame(.m1, initiator.message1))).first)
    let keys = try initiator.receive(message2: m2.body).keys
    var push = try SecretStream.Push(key: keys.initiatorToResponder)
    #expect(isEstablished(responder.receive(PeerFrame(.streamStart, push.header + (try push.push(TransportMessage.hello(p.alicePresence).encoded))))))
    return (responder, push)
}

/// An initiator that has received M2 from a responder the test drives by hand: the responder's
/// stream (header and first record) is the test's to write with `push`.
func initiatorWithHandRolledResponder(_ p: Parties) throws -> (initiator: PeerConnection, push: SecretStream.Push) {
    var (initiator, start) = PeerConnection.initiator(try p.initiator(), localStatic: p.alice, remoteStatic: p.bob.publicKey, presence: p.alicePresence)
    let hello = try HandshakeResponder.open(message1: sent(start)[0].body, localStatic: p.bob)
    let (m2, keys) = try HandshakeResponder.respond(to: hello, localStatic: p.bob, presence: p.bobPresence)
    let afterM2 = initiator.receive(PeerFrame(.m2, m2))
    #expect(sent(afterM2).first?.kind == .streamStart)
    #expect(!isEstablished(afterM2))
    return (initiator, try SecretStream.Push(key: keys.responderToInitiator))
}

/// A record frame sealing `plain` on `push`.
func record(_ plain: [UInt8], on push: inout SecretStream.Push) throws -> PeerFrame {
    PeerFrame(.record, try push.push(plain))
}
