import JuiceCore
@testable import JuiceServer
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

/// The handler that holds a rendezvous stream's connection (docs/reachability.md 2.6, 2.8), on
/// NIO's embedded channel: what it writes, what it drops, and each way a held stream ends. The
/// end-to-end behaviour over real sockets is in `RendezvousTests`.
@Suite struct HeldStreamHandlerTests {
    /// A channel with the handler, a stream whose first line is `first`, and a count of its ends.
    private final class Held {
        let channel = EmbeddedChannel()
        let handler = HeldStreamHandler(userTimeout: .seconds(10))
        let closes = Counter()
        let stream: RendezvousStream

        init(first: String = "{\"type\":\"login\"}") throws {
            let closes = closes
            stream = RendezvousStream(
                accountID: 7, peerID: PeerID(rawValue: 99)!, firstLine: Array(first.utf8), buddies: [], receiptsTold: 0
            ) { closes.add() }
            try channel.pipeline.syncOperations.addHandler(handler)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).wait()
        }

        /// Everything the handler wrote to the socket so far, as text.
        func written() throws -> String {
            var text = ""
            while let data = try channel.readOutbound(as: IOData.self), case .byteBuffer(let buffer) = data {
                text += String(buffer: buffer)
            }
            return text
        }

        var ends: Int { closes.value }
    }

    @Test func passesEverythingThroughUntilAStreamHoldsTheConnection() throws {
        let held = try Held()
        try held.channel.writeOutbound(IOData.byteBuffer(ByteBuffer(string: "HTTP/1.1 200 OK\r\n\r\n")))
        try held.channel.writeInbound(ByteBuffer(string: "GET / HTTP/1.1\r\n"))
        #expect(try held.written() == "HTTP/1.1 200 OK\r\n\r\n")
        #expect(try held.channel.readInbound(as: ByteBuffer.self) == ByteBuffer(string: "GET / HTTP/1.1\r\n"))
        held.stream.finish()
    }

    @Test func writesTheLinesAsChunksInOrderAndTheLastChunkAtTheEnd() throws {
        let held = try Held(first: "first")
        held.stream.end(reason: "logout") // before the hand-over: kept, then written in order
        held.handler.hold(held.stream)
        held.channel.embeddedEventLoop.run()
        let ended = String(decoding: RendezvousLine.ended(reason: "logout"), as: UTF8.self)
        let expected = "5\r\nfirst\r\n" + String(ended.utf8.count, radix: 16) + "\r\n" + ended + "\r\n0\r\n\r\n"
        #expect(try held.written() == expected)
        #expect(!held.channel.isActive)
        #expect(held.ends == 1)
    }

    @Test func dropsWhatTheLayersAboveWriteOrCloseAndWhatTheClientSends() throws {
        let held = try Held(first: "x")
        held.handler.hold(held.stream)
        held.channel.embeddedEventLoop.run()
        _ = try held.written()
        try held.channel.writeOutbound(IOData.byteBuffer(ByteBuffer(string: "0\r\n\r\n")))
        held.channel.close(promise: nil) // the connection's task ending: not the stream's end
        try held.channel.writeInbound(ByteBuffer(string: "more request"))
        #expect(try held.written().isEmpty)
        #expect(try held.channel.readInbound(as: ByteBuffer.self) == nil)
        #expect(held.channel.isActive && held.ends == 0)
        held.stream.finish()
        held.channel.embeddedEventLoop.run()
        #expect(try held.written() == "0\r\n\r\n" && !held.channel.isActive && held.ends == 1)
    }

    @Test(arguments: ["fin", "reset", "quiesce"])
    func theClientGoingAwayOrTheServerQuiescingEndsTheStreamOnce(way: String) throws {
        let held = try Held()
        held.handler.hold(held.stream)
        held.channel.embeddedEventLoop.run()
        switch way {
        case "fin": held.channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        case "reset": held.channel.pipeline.fireChannelInactive()
        default: held.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        held.channel.embeddedEventLoop.run()
        held.stream.finish()
        #expect(held.ends == 1)
        if way != "reset" { #expect(!held.channel.isActive) }
    }

    @Test func aStreamHandedAClosedConnectionEnds() throws {
        let held = try Held()
        try held.channel.close().wait()
        held.handler.hold(held.stream)
        held.channel.embeddedEventLoop.run()
        #expect(held.ends == 1)
    }

    @Test(arguments: ["fin", "quiesce"])
    func aFinOrQuiescingBeforeTheHandOverEndsTheStreamThatTakesItOver(way: String) throws {
        let held = try Held(first: "first")
        held.channel.pipeline.fireUserInboundEventTriggered(way == "fin" ? ChannelEvent.inputClosed as Any : ChannelShouldQuiesceEvent())
        held.handler.hold(held.stream)
        held.channel.embeddedEventLoop.run()
        #expect(try held.written() == "5\r\nfirst\r\n0\r\n\r\n")
        #expect(held.ends == 1 && !held.channel.isActive)
    }

    @Test func linesWaitingForTheHandOverAreBoundedToo() throws {
        let held = try Held()
        for _ in 0..<HeldStreamHandler.backlogLimit - 1 { held.stream.keepAlive(after: .zero) } // the login line is one
        #expect(held.ends == 0)
        held.stream.keepAlive(after: .zero)
        #expect(held.ends == 1)
    }

    @Test func aClientThatReadsNothingHasItsStreamEndedPastTheBacklog() throws {
        let held = try Held()
        held.handler.hold(held.stream)
        held.channel.embeddedEventLoop.run()
        held.channel.isWritable = false
        held.channel.pipeline.fireChannelWritabilityChanged()
        for _ in 0..<HeldStreamHandler.backlogLimit { held.handler.send([Array("line".utf8)]) }
        #expect(held.ends == 0 && held.channel.isActive)
        held.handler.send([Array("one too many".utf8)])
        held.channel.embeddedEventLoop.run()
        #expect(held.ends == 1 && !held.channel.isActive)
    }

    @Test func aWritableSocketStartsTheBacklogAgain() throws {
        let held = try Held()
        held.handler.hold(held.stream)
        held.channel.embeddedEventLoop.run()
        for _ in 0..<3 {
            held.channel.isWritable = false
            held.channel.pipeline.fireChannelWritabilityChanged()
            for _ in 0..<HeldStreamHandler.backlogLimit { held.handler.send([Array("line".utf8)]) }
            held.channel.isWritable = true
            held.channel.pipeline.fireChannelWritabilityChanged()
        }
        held.channel.embeddedEventLoop.run()
        #expect(held.ends == 0 && held.channel.isActive)
        held.stream.finish()
    }
}

/// How many times a stream's `onClose` ran.
private final class Counter: Sendable {
    private let count = Atomic<Int>(0)
    func add() { count.add(1, ordering: .relaxed) }
    var value: Int { count.load(ordering: .relaxed) }
}
