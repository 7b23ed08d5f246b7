import Foundation
import JuiceCore
import Postgres

/// Waiting messages, prekeys and receipts (docs/protocol.md 5).
extension AccountStore {
    /// Claims one of `owner`'s prekeys for `claimer`; nil when none is left (or the hourly claims
    /// are spent). `notFound` if `owner` is not an accepted buddy.
    func claimPrekey(claimer: Int64, owner: Username, perHour: Int) async throws -> [UInt8]? {
        let row = try await pool.withConnection { db in try db.execute(AccountSQL.claimPrekey, [claimer, owner.value, perHour]).first }
        guard let row, try row.decode("is_buddy", as: Bool.self) else { throw AccountError.notFound("\(owner) is not an accepted buddy") }
        return try row.decode("public_key", as: [UInt8]?.self)
    }

    /// Leaves a sealed message for `recipient`; returns when it was queued and when it expires.
    func leaveMessage(sender: Int64, recipient: Username, messageID: [UInt8], envelope: [UInt8], settings: MailboxSettings) async throws -> (queuedAt: Date, expiresAt: Date) {
        let row = try await pool.withConnection { db in
            try db.execute(AccountSQL.storeMessage, [
                sender, recipient.value, messageID, envelope, settings.maxMessages, settings.maxBytes, settings.expirySeconds,
            ]).first
        }
        guard let row else { throw PostgresError(.decoding, message: "mailbox_store returned no row") }
        switch try row.decode("outcome", as: String.self) {
        case "stored", "duplicate":
            return (try Self.date(row, "queued_at"), try Self.date(row, "expires_at"))
        case "not_buddy":
            throw AccountError.notFound("\(recipient) is not an accepted buddy")
        case "online":
            throw AccountError.conflict("recipient_online", "\(recipient) is online: send the message directly")
        case "unclaimed_prekey":
            throw AccountError.invalid("the envelope's prekey is not one you claimed from \(recipient), or it was used already")
        default:
            throw AccountError.conflict("mailbox_full", "\(recipient)'s mailbox is full; try again when they have read it")
        }
    }

    /// Deletes the messages `accountID` stored and the receipts it saw; the messages' senders get
    /// receipts (pushed to their streams).
    func acknowledge(accountID: Int64, messages: [Int64], receipts: [Int64]) async throws {
        try await pool.withConnection { db in
            if !messages.isEmpty {
                let senders = try db.execute(AccountSQL.acknowledgeMessages, [accountID, Self.bigintArray(messages)]).rows
                try Self.announceReceipts(db, try senders.map { try $0.decode("sender_id", as: Int64.self) })
            }
            if !receipts.isEmpty { try db.execute(AccountSQL.acknowledgeReceipts, [accountID, Self.bigintArray(receipts)]) }
        }
    }

    /// Receipts of `accountID` after `seq`, for its stream.
    func receipts(accountID: Int64, after seq: Int64) async throws -> [ReceiptRecord] {
        try await pool.withConnection { db in try Self.receipts(db, accountID: accountID, after: seq) }
    }

    /// Deletes what has expired (docs/protocol.md 5.2); returns how many senders got `expired` receipts.
    func reapMailbox() async throws -> Int {
        try await pool.withConnection { db in
            let senders = try db.execute(AccountSQL.reapMailbox).rows.map { try $0.decode("sender_id", as: Int64.self) }
            try Self.announceReceipts(db, senders)
            return senders.count
        }
    }

    /// What a login gets from the mailbox: the prekey upload stored (also with no keys, when
    /// the login's set replaces `otherSet`, another machine's), then (when `hasMail`) what waits.
    static func mailbox(_ db: PostgresConnection, accountID: Int64, prekeys: PrekeyUpload?, prekeysLeft: Int?, otherSet: Bool, hasMail: Bool) throws -> MailboxSnapshot {
        var snapshot = MailboxSnapshot(prekeysLeft: prekeysLeft)
        if let prekeys, !prekeys.keys.isEmpty || otherSet {
            let row = try db.execute(AccountSQL.uploadPrekeys, [accountID, prekeys.set, Array(prekeys.keys.joined())]).first
            snapshot.prekeysLeft = try row?.decode("left", as: Int.self)
        }
        guard hasMail else { return snapshot }
        snapshot.waiting = try db.execute(AccountSQL.waitingMessages, [accountID]).rows.map { row in
            WaitingMessageRecord(seq: try row.decode("seq"), sender: try row.decode("sender"), queuedAt: try date(row, "queued_at"), envelope: try row.decode("envelope"))
        }
        snapshot.receipts = try receipts(db, accountID: accountID, after: 0)
        return snapshot
    }

    private static func receipts(_ db: PostgresConnection, accountID: Int64, after seq: Int64) throws -> [ReceiptRecord] {
        try db.execute(AccountSQL.receipts, [accountID, seq]).rows.map { row in
            ReceiptRecord(
                seq: try row.decode("seq"), recipient: try row.decode("recipient"), messageID: try row.decode("message_id"),
                state: try row.decode("state"), at: try date(row, "at")
            )
        }
    }

    private static func announceReceipts(_ db: PostgresConnection, _ senders: [Int64]) throws {
        guard !senders.isEmpty else { return }
        try db.execute(AccountSQL.announceReceipts, [bigintArray(senders)])
    }

    /// A bigint[] parameter in text form: `{1,2,3}`.
    static func bigintArray(_ values: [Int64]) -> String {
        "{" + values.map(String.init).joined(separator: ",") + "}"
    }
}
