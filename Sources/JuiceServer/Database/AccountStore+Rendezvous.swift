import JuiceCore
import Postgres

extension AccountStore {
    /// Keeps instance `instanceID` alive for `seconds` more, then writes 0 for lapsed presence
    /// and announces it: one tick of ``RendezvousService``. Returns how many lapsed.
    func heartbeat(instanceID: Int64, seconds: Double) async throws -> Int {
        try await pool.withConnection { db in
            try db.execute(AccountSQL.heartbeat, [instanceID, seconds])
            return try expirePresence(db)
        }
    }

    /// Moves the stream of the online session behind `tokenHash` to `instanceID`, if its
    /// presence is still live; returns the account, its lease (of `leaseSeconds`) and buddy list.
    func resumeStream(tokenHash: [UInt8], instanceID: Int64, leaseSeconds: Int) async throws -> (accountID: Int64, lease: PresenceLease, buddies: [BuddyEntry])? {
        try await pool.withConnection { db in
            guard let row = try db.execute(AccountSQL.resumeStream, [tokenHash, instanceID, leaseSeconds]).first else { return nil }
            let accountID = try row.decode("account_id", as: Int64.self)
            guard let peerID = PeerID(rawValue: try row.decode("peer_id")) else { throw PostgresError(.decoding, message: "peer ID out of range") }
            try Self.checkStream(db, accountID: accountID, instance: try row.decode("previous_stream_instance", as: Int64?.self), unless: instanceID)
            let lease = PresenceLease(peerID: peerID, seconds: leaseSeconds, expiresAt: try Self.date(row, "lease_expires_at"))
            return (accountID, lease, try Self.buddies(db, accountID: accountID))
        }
    }

    /// A stream closed: its presence lasts `grace` seconds more unless it resumes.
    func streamDropped(accountID: Int64, peerID: PeerID, instanceID: Int64, grace: Double) async throws {
        try await pool.withConnection { db in
            try db.execute(AccountSQL.streamDropped, [accountID, peerID.rawValue, instanceID, grace])
        }
    }

    /// Account `accountID`'s live peer ID (0 when offline) and the instance holding its stream.
    func streamHolder(accountID: Int64) async throws -> (peerID: Int64, instance: Int64?) {
        try await pool.withConnection { db in
            let row = try db.execute(AccountSQL.streamHolder, [accountID]).first
            return (try row?.decode("peer_id", as: Int64.self) ?? 0, try row?.decode("stream_instance", as: Int64?.self))
        }
    }

    /// Tells `instance` to check whether account `accountID`'s stream there still belongs to its
    /// session, when `instance` held the stream of a session that just ended or was replaced.
    static func checkStream(_ db: PostgresConnection, accountID: Int64, instance: Int64?, unless current: Int64? = nil) throws {
        guard let instance, instance != current else { return }
        try db.execute(AccountSQL.checkStream, [accountID, instance])
    }

    /// What each subject of `pairs` (subject, recipient) looks like to its accepted buddies, and
    /// which of the pairs' recipients those are, in one statement. A subject whose account is
    /// gone is missing.
    func announcedEntries(_ pairs: [(subject: Int64, recipient: Int64)]) async throws -> [Int64: AnnouncedEntry] {
        guard !pairs.isEmpty else { return [:] }
        return try await pool.withConnection { db in
            var entries: [Int64: AnnouncedEntry] = [:]
            let rows = try db.execute(AccountSQL.announcedEntries, [Self.bigintArray(pairs.map(\.subject)), Self.bigintArray(pairs.map(\.recipient))]).rows
            for row in rows {
                let accepted = try row.decode("accepted", as: String.self).split(separator: ",").compactMap { Int64($0) }
                entries[try row.decode("subject", as: Int64.self)] = AnnouncedEntry(entry: try Self.entry(row), acceptedBy: Set(accepted))
            }
            return entries
        }
    }

    /// Writes 0 for lapsed presence, then (committed) announces it; returns how many lapsed.
    func expirePresence(_ db: PostgresConnection) throws -> Int {
        let accounts = try db.execute(AccountSQL.expirePresence).rows.map { try $0.decode("account_id", as: Int64.self) }
        try announce(db, accounts)
        return accounts.count
    }

    /// Tells the instances holding the streams of these accounts' buddies to re-read them: other
    /// instances by a notification, this one (``rendezvous``) directly. Runs as its own
    /// statement, after the change committed (docs/reachability.md 2.3).
    func announce(_ db: PostgresConnection, _ accounts: [Int64]) throws {
        guard !accounts.isEmpty else { return }
        var here: [Int64: [Int64]] = [:]
        for row in try db.execute(AccountSQL.announce, [Self.bigintArray(accounts), rendezvous?.instanceID ?? 0]).rows {
            here[try row.decode("subject_id", as: Int64.self), default: []].append(try row.decode("recipient_id", as: Int64.self))
        }
        for (subject, recipients) in here { rendezvous?.enqueue(.announced(subject: subject, recipients: recipients)) }
    }
}
