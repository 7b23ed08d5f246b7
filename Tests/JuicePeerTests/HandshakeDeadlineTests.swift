import Foundation
import JuiceCore
@testable import JuicePeer
import JuiceTestSupport
import NIOCore
import NIOEmbedded
import Testing

/// A connection must become an authenticated session within 10 s of opening (docs/protocol.md
/// 4.5), whatever it sends meanwhile. The channel handler on an embedded channel, on virtual time.
@Suite struct HandshakeDeadlineTests {
    let p = Parties()

    /// Installs a handler for `connection`, opens the channel, and returns it with the close reasons reported.
    func open(_ connection: PeerConnection, actions: [PeerConnection.Action] = []) throws -> (EmbeddedChannel, Locked<[String]>) {
        let channel = EmbeddedChannel()
        let reasons = Locked<[String]>([])
        try PeerChannelHandler.install(
            on: channel, linkID: 1, connection: connection, actions: actions, keepalive: KeepaliveSettings(), policy: nil,
            sink: { event in if case let .closed(_, _, reason) = event { reasons.withLock { $0.append(reason) } } }
        ).wait()
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
        return (channel, reasons)
    }

    @Test func aSilentConnectionClosesTenSecondsAfterItOpens() throws {
        let (channel, reasons) = try open(p.responder())
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(9_990))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(10))
        #expect(!channel.isActive)
        #expect(reasons.withLock { $0 } == ["handshake timed out"])
    }

    @Test func anInitiatorWhoseAnswerNeverComesClosesAtTheSameDeadline() throws {
        // M2 arrives at 9 s; the responder's hello never does. Frames do not extend the deadline.
        let handshake = try p.initiator()
        let (connection, start) = PeerConnection.initiator(handshake, localStatic: p.alice, remoteStatic: p.bob.publicKey, presence: p.alicePresence)
        let (channel, reasons) = try open(connection, actions: start)
        var responder = p.responder()
        let m2 = try #require(sent(responder.receive(PeerFrame(.m1, handshake.message1))).first)
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        var encoded = channel.allocator.buffer(capacity: m2.body.count + 5)
        try PeerFrameEncoder().encode(data: m2, out: &encoded)
        try channel.writeInbound(encoded)
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
        #expect(reasons.withLock { $0 } == ["handshake timed out"])
    }
}
