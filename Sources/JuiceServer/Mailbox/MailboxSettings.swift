/// Bounds on waiting messages (docs/protocol.md 5.2), set with `juiced --mailbox-messages`,
/// `--mailbox-bytes` and `--mailbox-days`.
///
/// The defaults: 200 messages and 1 MiB of envelopes per recipient hold a busy day of every
/// buddy writing while the recipient is away, yet the whole mailbox still fits the first line of
/// a rendezvous stream (4 MiB as base64, with room for the buddy list); one sender may fill at
/// most half of either, so a chatty buddy cannot lock the others out. 14 days covers a holiday;
/// a message older than that is more likely stale than wanted, and its sender is told `expired`.
public struct MailboxSettings: Sendable, Equatable {
    /// Messages a recipient's mailbox holds at most.
    public var maxMessages: Int = 200
    /// Bytes of envelopes a recipient's mailbox holds at most.
    public var maxBytes: Int = 1 << 20
    /// Seconds until a waiting message expires.
    public var expirySeconds: Int = 14 * 86_400
    /// Prekeys one claimer may take from one buddy per hour (docs/protocol.md 5.1).
    public var claimsPerHour: Int = 30

    /// The defaults.
    public init() {}
}
