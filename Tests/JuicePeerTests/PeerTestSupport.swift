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
    actions.contains { if case .established = $0 { true } else { false } }
}

/// A full handshake; returns both machines established and the frames exchanged.
func handshake(_ p: Parties) throws -> (initiator: PeerConnection, responder: PeerConnection, m1: PeerFrame, m2: PeerFrame, confirm: PeerFrame, answer: PeerFrame) {
    let (i0, start) = PeerConnection.initiator(try p.initiator(), localStatic: p.alice, remoteStatic: p.bob.publicKey, presence: p.alicePresence)
    var initiator = i0
    var responder = p.responder()
    let m1 = try #require(sent(start).first)
    let m2 = try #require(sent(responder.receive(m1)).first)
    let afterM2 = initiator.receive(m2)
    #expect(isEstablished(afterM2))
    let confirm = try #require(sent(afterM2).first)
    let afterConfirm = responder.receive(confirm)
    #expect(isEstablished(afterConfirm))
    let answer = try #require(sent(afterConfirm).first)
    #expect(initiator.receive(answer) == [.received(.hello(p.bobPresence))])
    return (initiator, responder, m1, m2, confirm, answer)
}

func flipped(_ frame: PeerFrame, bit: Int) -> PeerFrame {
    var body = frame.body
    body[bit / 8] ^= UInt8(1 << (bit % 8))
    return PeerFrame(frame.kind, body)
}

