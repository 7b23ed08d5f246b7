import Foundation
import JuiceCore
@testable import JuicePeer
import Sodium
import JuiceTestSupport
import Testing

/// What a receiver does with what an honest peer never sends (docs/protocol.md 4.5): a first
/// record that is not a hello, a second hello, or a record that does not decode closes the
/// connection; a receipt for an ID the connection never sent is ignored.
@Suite struct RecordRuleTests {
    let p = Parties()
    /// Status text that would retitle the window, clear the screen and forge a line on a terminal.
    static let hostileText = "\u{1b}]0;pwned\u{07}\u{1b}[2J\ncarol: hi"

    @Test func theInitiatorReportsTheResponderOnlyWhenItsHelloOpens() throws {
        var (initiator, push) = try initiatorWithHandRolledResponder(p)
        #expect(!initiator.isEstablished)
        let actions = initiator.receive(PeerFrame(.streamStart, push.header + (try push.push(TransportMessage.hello(p.bobPresence).encoded))))
        #expect(established(actions)?.presence == p.bobPresence)
        #expect(established(actions)?.remoteStatic == p.bob.publicKey)
        #expect(initiator.isEstablished)
    }

    @Test func theInitiatorClosesWhenTheRespondersFirstRecordIsNotAHello() throws {
        let firsts: [TransportMessage] = [.chat(id: .random(), text: "carol: hi"), .presence(p.bobPresence), .ping, .delivered(.random()), .goodbye]
        for first in firsts {
            var (initiator, push) = try initiatorWithHandRolledResponder(p)
            let actions = initiator.receive(PeerFrame(.streamStart, push.header + (try push.push(first.encoded))))
            #expect(actions == [.close(graceful: false, reason: PeerConnection.handshakeFailed)], "\(first)")
            #expect(!initiator.isEstablished)
        }
    }

    @Test func theResponderClosesWhenTheInitiatorsFirstRecordIsNotAHello() throws {
        let initiator = try p.initiator()
        var responder = p.responder()
        let m2 = try #require(sent(responder.receive(PeerFrame(.m1, initiator.message1))).first)
        var push = try SecretStream.Push(key: try initiator.receive(message2: m2.body).keys.initiatorToResponder)
        let actions = responder.receive(PeerFrame(.streamStart, push.header + (try push.push(TransportMessage.chat(id: .random(), text: "hi").encoded))))
        #expect(actions == [.close(graceful: false, reason: PeerConnection.handshakeFailed)])
    }

    @Test func aSecondHelloClosesTheSessionOnEitherSide() throws {
        var (responder, push) = try responderWithHandRolledInitiator(p)
        #expect(responder.receive(try record(TransportMessage.hello(p.alicePresence).encoded, on: &push)) == [.close(graceful: false, reason: PeerConnection.transportFailed)])
        var (initiator, bob, _, _, _, _) = try handshake(p)
        let again = try #require(sent(bob.send(.hello(p.bobPresence))).first)
        #expect(initiator.receive(again) == [.close(graceful: false, reason: PeerConnection.transportFailed)])
    }

    @Test func recordsThatDoNotDecodeCloseTheSession() throws {
        let id = [UInt8](repeating: 7, count: 16)
        let hostile = TransportMessage.presence(PeerPresence(capabilities: .none, statusText: Self.hostileText)).encoded
        let cases: [(String, [UInt8])] = [
            ("unknown type 0", [0]), ("unknown type 8", [8]), ("unknown type 255", [255, 1, 2]),
            ("presence flag bit 2", [2, 4, 0, 0]), ("presence status 3", [2, 0, 3, 0]), ("presence text cut short", [2, 0, 0, 3, 0x61]),
            ("presence trailing byte", [2, 0, 0, 0, 0]), ("presence with control characters", hostile),
            ("presence with a C1 control", [2, 0, 0, 2, 0xc2, 0x9b]), ("presence text of 201 characters", [2, 0, 0, 201] + [UInt8](repeating: 0x61, count: 201)),
            ("chat with invalid UTF-8", [3] + id + [0x68, 0xff, 0xfe]), ("chat with a short ID", [3, 1, 2, 3]),
            ("chat of 65,537 bytes", [3] + id + [UInt8](repeating: 0x61, count: TransportMessage.maxTextBytes + 1)),
            ("receipt with a short ID", [4] + id.dropLast()), ("ping with a body", [5, 0]), ("goodbye with a body", [7, 0]),
        ]
        for (name, plain) in cases {
            var (responder, push) = try responderWithHandRolledInitiator(p)
            let actions = responder.receive(try record(plain, on: &push))
            #expect(actions == [.close(graceful: false, reason: PeerConnection.transportFailed)], "\(name)")
            #expect(!responder.isEstablished, "\(name)")
        }
    }

    @Test func aChatOfExactlyTheLimitIsDelivered() throws {
        var (responder, push) = try responderWithHandRolledInitiator(p)
        let text = String(repeating: "a", count: TransportMessage.maxTextBytes)
        let id = MessageID.random()
        #expect(responder.receive(try record(TransportMessage.chat(id: id, text: text).encoded, on: &push)) == [.received(.chat(id: id, text: text))])
    }

    @Test func statusTextWithControlCharactersFailsTheHandshakeEitherWay() throws {
        let hostile = PeerPresence(capabilities: .none, status: .away, statusText: Self.hostileText)
        var responder = p.responder()
        #expect(closed(responder.receive(PeerFrame(.m1, try p.initiator(presence: hostile).message1))) == PeerConnection.handshakeFailed)
        // In M2, to the initiator.
        var (initiator, start) = PeerConnection.initiator(try p.initiator(), localStatic: p.alice, remoteStatic: p.bob.publicKey, presence: p.alicePresence)
        let hello = try HandshakeResponder.open(message1: sent(start)[0].body, localStatic: p.bob)
        let (m2, _) = try HandshakeResponder.respond(to: hello, localStatic: p.bob, presence: hostile)
        #expect(closed(initiator.receive(PeerFrame(.m2, m2))) == PeerConnection.handshakeFailed)
        // In the initiator's hello, to the responder.
        let i2 = try p.initiator()
        var r2 = p.responder()
        let m2b = try #require(sent(r2.receive(PeerFrame(.m1, i2.message1))).first)
        var push = try SecretStream.Push(key: try i2.receive(message2: m2b.body).keys.initiatorToResponder)
        let actions = r2.receive(PeerFrame(.streamStart, push.header + (try push.push(TransportMessage.hello(hostile).encoded))))
        #expect(actions == [.close(graceful: false, reason: PeerConnection.handshakeFailed)])
    }

    @Test func aReceiptForAnIDThisConnectionNeverSentIsIgnored() throws {
        var (initiator, responder, _, _, _, _) = try handshake(p)
        let stranger = try #require(sent(responder.send(.delivered(.random()))).first)
        #expect(initiator.receive(stranger) == [])
        // A receipt for a message sent here is reported once; a repeat is ignored too.
        let id = MessageID.random()
        _ = initiator.send(.chat(id: id, text: "hi"))
        let receipt = try #require(sent(responder.send(.delivered(id))).first)
        #expect(initiator.receive(receipt) == [.received(.delivered(id))])
        let repeated = try #require(sent(responder.send(.delivered(id))).first)
        #expect(initiator.receive(repeated) == [])
        #expect(initiator.isEstablished)
    }
}
