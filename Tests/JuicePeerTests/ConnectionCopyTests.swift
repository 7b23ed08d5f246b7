import JuiceCore
@testable import JuicePeer
import Testing

/// A `PeerConnection` is a value (issue 9): a copy has key state of its own, so what one copy
/// opens or seals never advances another. With shared key state, the copy could not open a
/// record the original had opened, and each copy's records would skip the other's nonces.
@Suite struct ConnectionCopyTests {
    let p = Parties()

    @Test func aCopiedConnectionOpensTheRecordTheOriginalOpened() throws {
        var (alice, bob, _, _, _, _) = try handshake(p)
        let id = MessageID.random()
        let chat = try #require(sent(bob.send(.chat(id: id, text: "hi"))).first)
        let ping = try #require(sent(bob.send(.ping)).first)
        var copy = alice
        #expect(alice.receive(chat) == [.received(.chat(id: id, text: "hi"))])
        #expect(alice.receive(ping) == [.received(.ping)])
        #expect(copy.receive(chat) == [.received(.chat(id: id, text: "hi"))]) // not advanced by the original
        #expect(copy.receive(ping) == [.received(.ping)])
        #expect(copy.receive(ping) == [.close(graceful: false, reason: PeerConnection.transportFailed)]) // its own state did advance
        #expect(alice.isEstablished) // and the copy's failure did not close the original
    }

    @Test func aCopiedConnectionSealsFromTheSameStateAsTheOriginal() throws {
        var (alice, bob, _, _, _, _) = try handshake(p)
        var copy = alice
        let fromOriginal = try #require(sent(alice.send(.ping)).first)
        let fromCopy = try #require(sent(copy.send(.ping)).first)
        #expect(fromCopy == fromOriginal) // the same nonce on both: one socket must keep one copy
        #expect(bob.receive(fromOriginal) == [.received(.ping)])
        #expect(bob.receive(try #require(sent(alice.send(.pong)).first)) == [.received(.pong)])
    }
}
