import Foundation
import JuiceCore
@testable import JuicePeer
import Sodium
import JuiceTestSupport
import Testing

@Suite struct HandshakeTests {
    @Test func theResponderLearnsTheAuthenticatedInitiatorOnlyAtConfirmation() throws {
        let p = Parties()
        let (i, start) = PeerConnection.initiator(try p.initiator(), localStatic: p.alice, remoteStatic: p.bob.publicKey, presence: p.alicePresence)
        var initiator = i
        var responder = p.responder()
        let m2 = sent(responder.receive(sent(start)[0]))[0]
        let confirm = sent(initiator.receive(m2))[0]
        let established = responder.receive(confirm).first { if case .established = $0 { true } else { false } }
        guard case let .established(key, peer, presence, timestamp)? = established else {
            Issue.record("responder did not establish")
            return
        }
        #expect(key == p.alice.publicKey)
        #expect(peer == p.alicePeer)
        #expect(presence == p.alicePresence)
        #expect(timestamp > 0)
    }

    @Test func messagesReceiptsAndGoodbyeFlowBothWays() throws {
        let p = Parties()
        var (initiator, responder, _, _, _, _) = try handshake(p)
        let id = MessageID.random()
        let chat = try #require(sent(initiator.send(.chat(id: id, text: "hello 🍊"))).first)
        #expect(responder.receive(chat) == [.received(.chat(id: id, text: "hello 🍊"))])
        let receipt = try #require(sent(responder.send(.delivered(id))).first)
        #expect(initiator.receive(receipt) == [.received(.delivered(id))])
        let status = PeerPresence(capabilities: .none, status: .away, statusText: "brb")
        let update = try #require(sent(responder.send(.presence(status))).first)
        #expect(initiator.receive(update) == [.received(.presence(status))])
        let bye = try #require(sent(initiator.send(.goodbye)).first)
        #expect(responder.receive(bye) == [.received(.goodbye), .close(graceful: true, reason: "goodbye")])
    }

    @Test func theInitiatorsIdentityIsHiddenFromObservers() throws {
        let p = Parties()
        let (_, _, m1, m2, _, _) = try handshake(p)
        let wire = m1.encoded + m2.encoded
        #expect(!contains(wire, p.alice.publicKey))
        #expect(!contains(wire, Array("hi".utf8) + [0]))
    }

    @Test func theResponderActsOnNothingBeforeConfirmation() throws {
        let p = Parties()
        let (_, start) = PeerConnection.initiator(try p.initiator(), localStatic: p.alice, remoteStatic: p.bob.publicKey, presence: p.alicePresence)
        var responder = p.responder()
        let actions = responder.receive(sent(start)[0])
        #expect(actions.count == 1)
        #expect(sent(actions).first?.kind == .m2)
        #expect(!responder.isEstablished)
        // Nothing but the confirmation frame moves it on.
        #expect(closed(responder.send(.chat(id: .random(), text: "x"))) == nil)
        #expect(sent(responder.send(.chat(id: .random(), text: "x"))).isEmpty)
    }

    @Test func directionalKeysDiffer() throws {
        let p = Parties()
        let initiator = try p.initiator()
        let hello = try HandshakeResponder.open(message1: initiator.message1, localStatic: p.bob)
        let (m2, keys) = try HandshakeResponder.respond(to: hello, localStatic: p.bob, presence: p.bobPresence)
        let result = try initiator.receive(message2: m2)
        #expect(result.keys.initiatorToResponder == keys.initiatorToResponder)
        #expect(result.keys.responderToInitiator == keys.responderToInitiator)
        #expect(!(keys.initiatorToResponder == keys.responderToInitiator))
    }
}

