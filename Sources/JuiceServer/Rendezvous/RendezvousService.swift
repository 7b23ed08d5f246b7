import Foundation
import Logging
import Postgres
import ServiceLifecycle

/// Runs the rendezvous of one instance (docs/reachability.md 2.3–2.5): the LISTEN connection
/// that brings presence announcements, the queue of work on the open streams, and the tick that
/// sends keepalives and, while the instance holds a stream, writes the instance's heartbeat and
/// writes 0 for lapsed presence (the ``LeaseReaper``'s first step, every tick instead of every
/// 15 s), so that departures reach the streams within about a tick. An instance with no stream
/// writes nothing: no presence depends on its heartbeat (a new stream's login lease covers the
/// first tick).
///
/// Two connections of its own, outside the request pool: the LISTEN connection, and one for
/// its statements, so that requests and the rendezvous never wait for each other's connections.
struct RendezvousService: Service {
    let streams: RendezvousStreams
    /// Where the database is (the request pool's configuration).
    let database: ConnectionConfiguration
    let settings: RendezvousSettings
    let logger: Logger

    func run() async throws {
        let listener = PostgresListener(configuration: database.applicationName("juiced-listen"), channel: RendezvousStreams.channel(of: streams.instanceID), logger: logger)
        let pool = PostgresPool(configuration: database, size: 1, logger: logger)
        let store = AccountStore(pool: pool, rendezvous: streams)
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                group.addTask { await listener.run { event in streams.enqueue(Self.work(for: event, logger: logger)) } }
                group.addTask { await tick(store) }
                group.addTask {
                    var work = streams.work.makeAsyncIterator()
                    while let batch = await streams.nextBatch(&work) { await perform(batch, store) }
                }
            }
        }
        streams.finishAll()
        await pool.shutdown()
    }

    /// What a LISTEN event asks for.
    static func work(for event: PostgresListenerEvent, logger: Logger) -> RendezvousWork {
        switch event {
        case .listening:
            return .resynchronise(accountID: nil)
        case .notification(let payload):
            if let announced = PresenceAnnouncement(payload: payload) { return .announced(subject: announced.a, recipients: announced.r) }
            if let receipts = try? JSONDecoder().decode(ReceiptsAnnouncement.self, from: Data(payload.utf8)) {
                return .receipts(accountID: receipts.d)
            }
            guard let announced = try? JSONDecoder().decode(PresenceAnnouncement.self, from: Data(payload.utf8)) else {
                logger.warning("unreadable presence notification", metadata: ["length": "\(payload.utf8.count)"])
                return .announced(subject: 0, recipients: [])
            }
            return .announced(subject: announced.a, recipients: announced.r)
        }
    }

    /// Works a batch in order. Consecutive announcements are re-read together, in one statement:
    /// a re-read tells each stream the state at the time of the read, so reading several
    /// notifications' subjects at once, after the last of them was sent, loses nothing.
    private func perform(_ batch: [RendezvousWork], _ store: AccountStore) async {
        var announced: [(subject: Int64, recipients: [Int64])] = []
        for item in batch {
            if case let .announced(subject, recipients) = item {
                announced.append((subject, recipients))
                continue
            }
            await attempt { try await announce(announced, store) }
            announced = []
            await attempt { try await perform(item, store) }
        }
        await attempt { try await announce(announced, store) }
    }

    private func attempt(_ work: () async throws -> Void) async {
        do {
            try await work()
        } catch {
            logger.warning("rendezvous work failed", metadata: ["error": "\(error)"])
        }
    }

    private func perform(_ item: RendezvousWork, _ store: AccountStore) async throws {
        switch item {
        case let .announced(subject, recipients):
            try await announce([(subject, recipients)], store)
        case .resynchronise(let accountID):
            let targets = accountID.map { streams.stream(of: $0).map { [$0] } ?? [] } ?? streams.all
            for stream in targets {
                stream.resynchronise(try await store.buddies(accountID: stream.accountID))
                stream.deliver(try await store.receipts(accountID: stream.accountID, after: stream.receiptsTold))
            }
        case .receipts(let accountID):
            guard let stream = streams.stream(of: accountID) else { return }
            stream.deliver(try await store.receipts(accountID: accountID, after: stream.receiptsTold))
        case let .dropped(accountID, peerID):
            try await store.streamDropped(accountID: accountID, peerID: peerID, instanceID: streams.instanceID, grace: settings.resumeGrace.seconds)
        }
    }

    /// Re-reads the subjects of these announcements for the recipients whose streams this
    /// instance holds, and tells each stream what changed. A subject that is its own recipient
    /// asks its stream to be checked (``endIfGone(_:_:)``); a recipient who is no longer an
    /// accepted buddy of the subject is told of its departure, if it was introduced. When the
    /// re-read fails, each of the recipients' streams is resynchronised instead.
    private func announce(_ announced: [(subject: Int64, recipients: [Int64])], _ store: AccountStore) async throws {
        var pairs: [(subject: Int64, recipient: Int64)] = []
        var seen = Set<SIMD2<Int64>>()
        for (subject, recipients) in announced {
            for recipient in recipients {
                guard let stream = streams.stream(of: recipient) else { continue }
                if recipient == subject {
                    await attempt { try await endIfGone(stream, store) }
                } else if seen.insert(SIMD2(subject, recipient)).inserted {
                    pairs.append((subject, recipient))
                }
            }
        }
        let entries: [Int64: AnnouncedEntry]
        do {
            entries = try await store.announcedEntries(pairs)
        } catch {
            // The batch's streams are re-read whole later, each on its own, rather than missed.
            for recipient in Set(pairs.map(\.recipient)) { streams.enqueue(.resynchronise(accountID: recipient)) }
            throw error
        }
        var introductions: [Int64: IntroductionLines] = [:]
        for (subject, recipient) in pairs {
            guard let stream = streams.stream(of: recipient), let announced = entries[subject] else { continue }
            if announced.acceptedBy.contains(recipient) {
                let lines = introductions[subject] ?? IntroductionLines()
                introductions[subject] = lines
                stream.update(announced.entry, introductions: lines)
            } else {
                stream.forget(announced.entry.username.value)
            }
        }
    }

    /// Ends `stream` with `ended` when its session is over: logged out (peer ID 0), or replaced
    /// by a newer login (another peer ID, or its stream on another instance).
    private func endIfGone(_ stream: RendezvousStream, _ store: AccountStore) async throws {
        let holder = try await store.streamHolder(accountID: stream.accountID)
        guard holder.peerID != stream.peerID.rawValue || holder.instance != streams.instanceID else { return }
        stream.end(reason: holder.peerID == 0 ? "logout" : "replaced")
    }

    private func tick(_ store: AccountStore) async {
        while !Task.isCancelled {
            do {
                if !streams.isEmpty {
                    let lapsed = try await store.heartbeat(instanceID: streams.instanceID, seconds: settings.instanceTimeout.seconds)
                    if lapsed > 0 { logger.info("lapsed presence set to 0", metadata: ["count": "\(lapsed)"]) }
                }
            } catch {
                logger.warning("instance heartbeat failed; will retry", metadata: ["error": "\(error)"])
            }
            for stream in streams.all { stream.keepAlive(after: settings.keepaliveInterval) }
            try? await Task.sleep(for: settings.tickInterval)
        }
    }
}

/// A `presence_announce` payload: subject account `a` changed; recipients `r` should re-read it.
struct PresenceAnnouncement: Decodable {
    let a: Int64
    let r: [Int64]
}

/// A `receipts_announce` payload: account `d` has new receipts.
struct ReceiptsAnnouncement: Decodable {
    let d: Int64
}
