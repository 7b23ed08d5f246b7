import JuiceCore
import Sodium

/// One peer connection as a pure state machine: frames and requests in, actions out, no I/O.
///
/// Each side reports the other as established only when the other's stream start opens under the
/// session keys and its first record is a `hello`; any other first record closes the connection.
/// For the responder that is what authenticates the initiator (the keys need the initiator's
/// static secret, `se`); the initiator has already checked M2's confirmation, and waits for the
/// responder's `hello` so that both sides report the same moment. Until then neither reports
/// anything nor sends data. After that, a second `hello` or any record that does not decode closes
/// the connection; a receipt for an ID this connection never sent is ignored.
///
/// A connection is a value: a copy has key state of its own (``SecretStream`` values, copied on
/// write), so records opened or sealed on one copy never advance another. Keep one copy per
/// socket: two copies that both send would seal their records under the same nonces.
public struct PeerConnection: Sendable {
    /// What the caller must do.
    public enum Action: Sendable, Equatable {
        /// Write a frame.
        case send(PeerFrame)
        /// The peer is authenticated: mark it online with these details. `remotePeerID` is the
        /// initiator's, from M1 (nil for the initiator, which dialled a known peer ID);
        /// `timestamp` is M1's, on both sides.
        case established(remoteStatic: [UInt8], remotePeerID: PeerID?, presence: PeerPresence, timestamp: UInt64)
        /// A transport message arrived.
        case received(TransportMessage)
        /// Close the connection; `graceful` after a goodbye.
        case close(graceful: Bool, reason: String)
    }

    /// Decides whether an opened M1 may proceed; returns the reason to drop it, or nil.
    public typealias Admission = @Sendable (HandshakeResponder.Hello) -> HandshakeError?

    private enum State {
        case awaitingMessage1(admission: Admission)
        case awaitingMessage2(HandshakeInitiator)
        case awaitingConfirmation(hello: HandshakeResponder.Hello, keys: SessionKeys)
        case awaitingAnswer(push: SecretStream.Push, pullKey: SecretBytes, timestamp: UInt64)
        case established
        case closed
    }

    /// An established session's two directions.
    private struct Streams {
        var push: SecretStream.Push
        var pull: SecretStream.Pull
    }

    private var state: State {
        didSet { if case .closed = state { streams = nil } } // the keys go as soon as the connection closes
    }
    /// Set while established, and only then: kept out of `state` so that records are sealed and
    /// opened in place, without a copy of the key state.
    private var streams: Streams?
    private let localStatic: BoxKeyPair
    private var localPresence: PeerPresence
    private var remoteStatic: [UInt8]?
    /// For an outgoing connection: the checks of an M1 that crosses ours (TCP simultaneous open),
    /// if we are the side that answers it; nil refuses a crossed M1.
    private var crossedAdmission: Admission?
    /// Chat messages sent on this connection whose receipt has not come back.
    private var awaitingReceipt: Set<MessageID> = []

    private init(state: State, localStatic: BoxKeyPair, localPresence: PeerPresence, remoteStatic: [UInt8]?) {
        self.state = state
        self.localStatic = localStatic
        self.localPresence = localPresence
        self.remoteStatic = remoteStatic
    }

    /// An outgoing connection; the first action sends M1. With `crossed`, an M1 from the dialled
    /// peer that arrives instead of M2 (both sides dialled, and TCP joined the two dials into one
    /// connection) is resolved as docs/protocol.md 4.5 says: the side with the smaller static
    /// public key stays the initiator and drops the other's M1; the other answers it as a
    /// responder, with `crossed` as its admission, and drops its own handshake.
    public static func initiator(
        _ handshake: HandshakeInitiator, localStatic: BoxKeyPair, remoteStatic: [UInt8], presence: PeerPresence, crossed: Admission? = nil
    ) -> (PeerConnection, [Action]) {
        var connection = PeerConnection(state: .awaitingMessage2(handshake), localStatic: localStatic, localPresence: presence, remoteStatic: remoteStatic)
        connection.crossedAdmission = crossed
        return (connection, [.send(PeerFrame(.m1, handshake.message1))])
    }

    /// An incoming connection, waiting for M1.
    public static func responder(localStatic: BoxKeyPair, presence: PeerPresence, admission: @escaping Admission) -> PeerConnection {
        PeerConnection(state: .awaitingMessage1(admission: admission), localStatic: localStatic, localPresence: presence, remoteStatic: nil)
    }

    /// True once the peer is authenticated.
    public var isEstablished: Bool {
        if case .established = state { return true }
        return false
    }

    /// Handles one inbound frame.
    public mutating func receive(_ frame: PeerFrame) -> [Action] {
        let handshaking = !isEstablished
        do {
            return try handle(frame)
        } catch let error as HandshakeError where handshaking && Self.isPolicy(error) {
            state = .closed
            return [.close(graceful: false, reason: error.description)]
        } catch {
            // One reason for every cryptographic or layout failure, whichever byte was wrong.
            state = .closed
            return [.close(graceful: false, reason: handshaking ? Self.handshakeFailed : Self.transportFailed)]
        }
    }

    /// The reason given for any handshake that fails authentication or layout checks.
    public static let handshakeFailed = "handshake failed"
    /// The reason given for any transport record that fails to open.
    public static let transportFailed = "transport record rejected"

    private static func isPolicy(_ error: HandshakeError) -> Bool {
        switch error {
        case .unknownPeer, .stalePeerID, .replayed, .throttled: true
        default: false
        }
    }

    /// Sends a transport message (ignored unless established).
    public mutating func send(_ message: TransportMessage) -> [Action] {
        guard isEstablished, streams != nil else { return [] }
        switch message {
        case .presence(let presence): localPresence = presence
        case .chat(let id, _): awaitingReceipt.insert(id)
        default: break
        }
        do {
            let record = try streams!.push.push(message.encoded, tag: message == .goodbye ? .final : .message)
            if message == .goodbye { state = .closed }
            return [.send(PeerFrame(.record, record))]
        } catch {
            state = .closed
            return [.close(graceful: false, reason: "\(error)")]
        }
    }

    /// Opens a record on an established connection.
    private mutating func receiveRecord(_ frame: PeerFrame) throws -> [Action] {
        guard isEstablished, streams != nil else { throw HandshakeError.unexpectedMessage }
        let (plain, tag) = try streams!.pull.pull(frame.body)
        let message = try TransportMessage(plain)
        if message == .goodbye || tag == .final {
            state = .closed
            return [.received(.goodbye), .close(graceful: true, reason: "goodbye")]
        }
        switch message {
        case .hello: throw HandshakeError.unexpectedMessage // only the first record is a hello
        case .delivered(let id):
            guard awaitingReceipt.remove(id) != nil else { return [] } // not sent here, or already confirmed: ignored
            return [.received(message)]
        default: return [.received(message)]
        }
    }

    private mutating func handle(_ frame: PeerFrame) throws -> [Action] {
        if isEstablished, frame.kind == .record { return try receiveRecord(frame) }
        switch (state, frame.kind) {
        case let (.awaitingMessage1(admission), .m1):
            return try answer(try HandshakeResponder.open(message1: frame.body, localStatic: localStatic), admission: admission)

        case (.awaitingMessage2, .m1):
            guard let admission = crossedAdmission, let remoteStatic else { throw HandshakeError.unexpectedMessage }
            if localStatic.publicKey.lexicographicallyPrecedes(remoteStatic) { return [] } // we stay the initiator
            let hello = try HandshakeResponder.open(message1: frame.body, localStatic: localStatic)
            guard hello.remoteStatic == remoteStatic else { throw HandshakeError.unknownPeer } // only the peer we dialled
            return try answer(hello, admission: admission)

        case let (.awaitingMessage2(handshake), .m2):
            let result = try handshake.receive(message2: frame.body)
            var push = try SecretStream.Push(key: result.keys.initiatorToResponder)
            let first = try push.push(TransportMessage.hello(localPresence).encoded)
            state = .awaitingAnswer(push: push, pullKey: result.keys.responderToInitiator, timestamp: handshake.timestamp)
            return [.send(PeerFrame(.streamStart, push.header + first))]

        case let (.awaitingConfirmation(hello, keys), .streamStart):
            let (pull, message) = try Self.startPull(key: keys.initiatorToResponder, frame.body)
            guard case .hello(let presence) = message else { throw HandshakeError.unexpectedMessage }
            var push = try SecretStream.Push(key: keys.responderToInitiator)
            let first = try push.push(TransportMessage.hello(localPresence).encoded)
            streams = Streams(push: push, pull: pull)
            state = .established
            remoteStatic = hello.remoteStatic
            return [
                .send(PeerFrame(.streamStart, push.header + first)),
                .established(remoteStatic: hello.remoteStatic, remotePeerID: hello.initiatorPeerID, presence: presence, timestamp: hello.timestamp),
            ]

        case let (.awaitingAnswer(push, pullKey, timestamp), .streamStart):
            let (pull, message) = try Self.startPull(key: pullKey, frame.body)
            guard case .hello(let presence) = message else { throw HandshakeError.unexpectedMessage }
            streams = Streams(push: push, pull: pull)
            state = .established
            return [.established(remoteStatic: remoteStatic ?? [], remotePeerID: nil, presence: presence, timestamp: timestamp)]

        default:
            throw HandshakeError.unexpectedMessage
        }
    }

    /// Answers an opened M1 that `admission` lets through: M2, then wait for the stream start.
    private mutating func answer(_ hello: HandshakeResponder.Hello, admission: Admission) throws -> [Action] {
        if let rejection = admission(hello) { throw rejection }
        let (m2, keys) = try HandshakeResponder.respond(to: hello, localStatic: localStatic, presence: localPresence)
        state = .awaitingConfirmation(hello: hello, keys: keys)
        return [.send(PeerFrame(.m2, m2))]
    }

    private static func startPull(key: SecretBytes, _ body: [UInt8]) throws -> (SecretStream.Pull, TransportMessage) {
        guard body.count > SecretStream.headerLength else { throw SodiumError.authenticationFailed }
        var pull = try SecretStream.Pull(key: key, header: Array(body[..<SecretStream.headerLength]))
        let (plain, _) = try pull.pull(Array(body[SecretStream.headerLength...]))
        return (pull, try TransportMessage(plain))
    }
}
