import Foundation
import JuiceCore

/// A sealed message that waited on the server for this user (docs/protocol.md 5.4).
public struct WaitingDelivery: Sendable, Equatable {
    /// The server's number for it, to acknowledge it by.
    public let seq: Int64
    /// Who the server says left it (the envelope proves it, 5.5).
    public let from: String
    public let queuedAt: Date
    public let envelope: [UInt8]

    /// Creates one.
    public init(seq: Int64, from: String, queuedAt: Date, envelope: [UInt8]) {
        self.seq = seq
        self.from = from
        self.queuedAt = queuedAt
        self.envelope = envelope
    }
}

/// What became of a waiting message this user left (docs/protocol.md 5.4).
public struct MailboxReceipt: Sendable, Equatable {
    /// What the server says became of it.
    public enum State: String, Sendable {
        /// The recipient stored it.
        case delivered
        /// It was deleted unread, past its expiry.
        case expired
    }

    /// The server's number for it, to acknowledge it by.
    public let seq: Int64
    public let to: String
    /// The message ID (16 bytes) the sender chose.
    public let id: [UInt8]
    public let state: State
    public let at: Date

    /// Creates one.
    public init(seq: Int64, to: String, id: [UInt8], state: State, at: Date) {
        self.seq = seq
        self.to = to
        self.id = id
        self.state = state
        self.at = at
    }
}

/// Prekeys to upload with a login (docs/protocol.md 5.1).
public struct PrekeyOffer: Sendable, Equatable {
    /// The machine's prekey store.
    public var set: [UInt8]
    /// New X25519 public keys, at most 100.
    public var keys: [[UInt8]]

    /// Creates one.
    public init(set: [UInt8], keys: [[UInt8]]) {
        self.set = set
        self.keys = keys
    }
}
