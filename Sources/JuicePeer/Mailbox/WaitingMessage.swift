import Foundation

/// A waiting message that opened: what the recipient shows and stores in its history.
public struct WaitingMessage: Sendable, Equatable {
    /// The sender's random message ID (16 bytes), the same as the envelope's.
    public let messageID: [UInt8]
    /// When the sender sealed it, by the sender's clock (millisecond precision).
    public let sentAt: Date
    /// The text (at most 16,384 UTF-8 bytes).
    public let text: String
    /// True when it was sealed to a one-time prekey (mode 1): once the prekey's secret is erased,
    /// a later theft of both identity secrets does not reveal it. Mode 0 is shown as not forward secret.
    public let forwardSecret: Bool

    /// The `sentAt` values (Unix milliseconds) a recipient accepts: from 2020 to a day past its
    /// own clock. Anything else opens as `.malformed` (docs/protocol.md 5.5): a buddy cannot make
    /// the recipient's client compute with times no clock gives.
    static var plausibleSentAt: ClosedRange<UInt64> {
        1_577_836_800_000...UInt64((Date().timeIntervalSince1970 + 86_400) * 1000)
    }
}
