import JuiceCore
import Synchronization

/// Work for ``RendezvousService``, done one item at a time so that what a stream is told never
/// goes back in time.
enum RendezvousWork: Sendable {
    /// Re-read `subject`'s presence for these recipients' streams (a notification).
    case announced(subject: Int64, recipients: [Int64])
    /// Re-read the whole buddy list of one stream (just opened) or of every stream (after the
    /// LISTEN connection was re-established: notifications may have been lost).
    case resynchronise(accountID: Int64?)
    /// A stream closed: its presence goes offline after the resume grace.
    case dropped(accountID: Int64, peerID: PeerID)
    /// `accountID` has new receipts for its waiting messages (docs/protocol.md 5.4).
    case receipts(accountID: Int64)
}

/// The rendezvous streams open on this instance, by account, and the queue of work on them.
final class RendezvousStreams: Sendable {
    /// This instance's ID: `presence_state.stream_instance` of its streams, and its channel.
    let instanceID: Int64
    /// Work items in order, for ``RendezvousService``.
    let work: AsyncStream<RendezvousWork>
    private let workInput: AsyncStream<RendezvousWork>.Continuation
    private let open = Mutex<[Int64: RendezvousStream]>([:])
    /// Work items queued and not yet taken by ``nextBatch(_:)``.
    private let queued = Atomic<Int>(0)

    /// The registry of a new instance with a random ID.
    init(instanceID: Int64 = .random(in: 1...Int64.max)) {
        self.instanceID = instanceID
        (work, workInput) = AsyncStream.makeStream()
    }

    /// The LISTEN channel of instance `id`, as `presence_announce` names it.
    static func channel(of id: Int64) -> String { "juice_i_" + String(id, radix: 16) }

    /// Opens the stream of a login that just committed, replacing the account's previous one
    /// on this instance, and queues its resynchronisation (notifications sent between the
    /// login's commit and now found no stream to go to).
    /// `receiptsTold` is the last receipt the first line carried; later ones are sent.
    @discardableResult
    func open(accountID: Int64, peerID: PeerID, firstLine: [UInt8], buddies: [BuddyEntry], receiptsTold: Int64 = 0) -> RendezvousStream {
        let stream = RendezvousStream(accountID: accountID, peerID: peerID, firstLine: firstLine, buddies: buddies, receiptsTold: receiptsTold) { [weak self] in
            self?.closed(accountID: accountID, peerID: peerID)
        }
        OpenedStream.current?.stream.withLock { $0 = stream }
        let previous = open.withLock { $0.updateValue(stream, forKey: accountID) }
        previous?.end(reason: "replaced")
        enqueue(.resynchronise(accountID: accountID))
        return stream
    }

    /// The open stream of `accountID`, if this instance holds it.
    func stream(of accountID: Int64) -> RendezvousStream? { open.withLock { $0[accountID] } }

    /// Every open stream.
    var all: [RendezvousStream] { open.withLock { Array($0.values) } }

    /// Whether no stream is open here.
    var isEmpty: Bool { open.withLock { $0.isEmpty } }

    /// Queues work (from the LISTEN connection, or from this instance's own announcements).
    func enqueue(_ item: RendezvousWork) {
        queued.add(1, ordering: .relaxed)
        workInput.yield(item)
    }

    /// The next item of `work` (this registry's ``work``), and every item queued behind it, up
    /// to ``batchLimit``; nil when the work ends.
    func nextBatch(_ work: inout AsyncStream<RendezvousWork>.AsyncIterator) async -> [RendezvousWork]? {
        guard let first = await work.next() else { return nil }
        queued.subtract(1, ordering: .relaxed)
        var batch = [first]
        // Counted before it is queued: a count above zero is an item at most a moment away.
        while batch.count < Self.batchLimit, queued.load(ordering: .relaxed) > 0, let next = await work.next() {
            queued.subtract(1, ordering: .relaxed)
            batch.append(next)
        }
        return batch
    }

    /// The most work items taken at once.
    static let batchLimit = 256

    /// Ends every stream (graceful shutdown).
    func finishAll() { for stream in all { stream.finish() } }

    private func closed(accountID: Int64, peerID: PeerID) {
        open.withLock { streams in
            if streams[accountID]?.peerID == peerID { streams[accountID] = nil }
        }
        enqueue(.dropped(accountID: accountID, peerID: peerID))
    }
}
