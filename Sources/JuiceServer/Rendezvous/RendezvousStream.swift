import Hummingbird
import JuiceCore
import OpenAPIRuntime
import Synchronization

/// One open rendezvous stream on this instance: the lines queued for its client, and what the
/// client has been told, so that every event is a difference from it (buddy username → the
/// peer ID last introduced). Events are state, not history: re-reading a buddy twice sends nothing twice.
final class RendezvousStream: Sendable {
    /// The account whose stream this is.
    let accountID: Int64
    /// The presence (peer ID) the stream belongs to.
    let peerID: PeerID
    private let lines: AsyncStream<HTTPBody.ByteChunk>
    private let input: AsyncStream<HTTPBody.ByteChunk>.Continuation
    private let state: Mutex<State>

    private struct State {
        /// What the client was told of each online buddy: a new peer ID or new candidates are
        /// introduced again.
        var told: [String: Told]
        var lastLine: ContinuousClock.Instant
        /// The last receipt the client was given (docs/protocol.md 5.4).
        var receiptsTold: Int64
    }

    private struct Told: Equatable {
        var peerID: Int64
        var candidates: [Candidate]

        init(_ buddy: BuddyEntry) {
            peerID = buddy.peerID.rawValue
            candidates = buddy.candidates
        }
    }

    /// A stream that starts with `firstLine`, whose client knows `buddies` as the login reply
    /// gave them. `onClose` runs once when the stream ends for any reason.
    /// `receiptsTold` is the last receipt `firstLine` carried.
    init(accountID: Int64, peerID: PeerID, firstLine: [UInt8], buddies: [BuddyEntry], receiptsTold: Int64, onClose: @escaping @Sendable () -> Void) {
        self.accountID = accountID
        self.peerID = peerID
        (lines, input) = AsyncStream.makeStream(of: HTTPBody.ByteChunk.self, bufferingPolicy: .bufferingNewest(1024))
        var told: [String: Told] = [:]
        for buddy in buddies where buddy.isOnline { told[buddy.username.value] = Told(buddy) }
        state = Mutex(State(told: told, lastLine: .now, receiptsTold: receiptsTold))
        input.yield(ArraySlice(firstLine))
        input.onTermination = { _ in onClose() }
    }

    /// Sends what changed about `buddy` since the client was last told.
    func update(_ buddy: BuddyEntry) {
        let line: [UInt8]? = state.withLock { state in
            let name = buddy.username.value, told = state.told[name]
            if buddy.isOnline {
                guard told != Told(buddy) else { return nil }
                state.told[name] = Told(buddy)
                return RendezvousLine.introduction(buddy)
            }
            guard let told else { return nil }
            state.told[name] = nil
            return RendezvousLine.departure(username: name, peerID: told.peerID)
        }
        if let line { write(line) }
    }

    /// `username` is no longer a buddy: a departure if it was introduced.
    func forget(_ username: String) {
        let told = state.withLock { $0.told.removeValue(forKey: username) }
        if let told { write(RendezvousLine.departure(username: username, peerID: told.peerID)) }
    }

    /// Sends what changed since the client was last told, from the whole buddy list.
    func resynchronise(_ buddies: [BuddyEntry]) {
        for buddy in buddies { update(buddy) }
        let listed = Set(buddies.map(\.username.value))
        let gone = state.withLock { state in
            let gone = state.told.filter { !listed.contains($0.key) }
            for name in gone.keys { state.told[name] = nil }
            return gone
        }
        for (name, told) in gone { write(RendezvousLine.departure(username: name, peerID: told.peerID)) }
    }

    /// The last receipt the client was given.
    var receiptsTold: Int64 { state.withLock { $0.receiptsTold } }

    /// Sends the receipts the client was not given yet.
    func deliver(_ receipts: [ReceiptRecord]) {
        let new = state.withLock { state in
            let new = receipts.filter { $0.seq > state.receiptsTold }
            state.receiptsTold = max(state.receiptsTold, new.map(\.seq).max() ?? 0)
            return new
        }
        for receipt in new { write(RendezvousLine.receipt(receipt)) }
    }

    /// Sends a keepalive if nothing was sent for `interval`.
    func keepAlive(after interval: Duration) {
        let due = state.withLock { ContinuousClock.now - $0.lastLine >= interval }
        if due { write(RendezvousLine.keepalive) }
    }

    /// The response body. When the server lets go of it (the response ended, failed to write, or
    /// was never written), the stream ends too, so no stream outlives its response.
    func responseBody() -> HTTPBody {
        let owner = FinishOnRelease(self)
        let lines = lines.map { chunk in
            withExtendedLifetime(owner) { chunk }
        }
        return HTTPBody(lines, length: .unknown, iterationBehavior: .single)
    }

    /// Writes the lines to `writer` until the stream ends: the response's body, as
    /// ``StreamCloseMiddleware`` writes it.
    func write(to writer: inout any ResponseBodyWriter) async throws {
        for await line in lines { try await writer.write(ByteBuffer(bytes: line)) }
    }

    /// Says why the server ends the stream, then ends it.
    func end(reason: String) {
        write(RendezvousLine.ended(reason: reason))
        finish()
    }

    /// Ends the stream (the response ends; ``init(accountID:peerID:firstLine:buddies:receiptsTold:onClose:)``'s `onClose` runs).
    func finish() { input.finish() }

    /// Queues a line. A client that lets 1024 lines pile up has its stream ended rather than
    /// miss one silently (it resumes or logs in again, and gets a fresh snapshot).
    private func write(_ line: [UInt8]) {
        state.withLock { $0.lastLine = .now }
        if case .dropped = input.yield(ArraySlice(line)) { input.finish() }
    }
}

extension BuddyEntry {
    /// An accepted buddy whose presence is live: the stream introduces exactly these.
    var isOnline: Bool { relation == .accepted && peerID != .offline }
}

/// Ends a stream when the last reference to it from a response body goes.
private final class FinishOnRelease: Sendable {
    let stream: RendezvousStream
    init(_ stream: RendezvousStream) { self.stream = stream }
    deinit { stream.finish() }
}
