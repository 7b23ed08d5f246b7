import Foundation

/// What the mailbox holds for a user at login (docs/protocol.md 5.4).
struct MailboxSnapshot: Sendable, Equatable {
    /// How many of the login's prekey set are unclaimed; nil when the login named no set.
    var prekeysLeft: Int?
    /// Messages waiting for the user, oldest first.
    var waiting: [WaitingMessageRecord] = []
    /// Receipts for messages the user left, not yet acknowledged.
    var receipts: [ReceiptRecord] = []
}

/// A sealed message waiting for its recipient.
struct WaitingMessageRecord: Sendable, Equatable {
    let seq: Int64
    let sender: String
    let queuedAt: Date
    let envelope: [UInt8]
}

/// What became of a waiting message: `delivered` or `expired`.
struct ReceiptRecord: Sendable, Equatable {
    let seq: Int64
    let recipient: String
    let messageID: [UInt8]
    let state: String
    let at: Date
}

/// Prekeys uploaded with a login (docs/protocol.md 5.1), checked.
struct PrekeyUpload: Sendable, Equatable {
    /// The machine's prekey store, 16 bytes.
    let set: [UInt8]
    /// New X25519 public keys, 32 bytes each, at most 100, none twice.
    let keys: [[UInt8]]
}
