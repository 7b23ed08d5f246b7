import Foundation

/// One message in the local history: sent or received, with its time and delivery state.
///
/// Its JSON form (`juice history --json`, one per line) is stable and round-trips: `time` is
/// RFC 3339 in UTC with milliseconds, `forwardSecret` is `null` when unknown.
public struct HistoryEntry: Codable, Sendable, Equatable {
    /// Which way a message went.
    public enum Direction: String, Codable, Sendable, CaseIterable {
        case sent, received
    }

    /// Where a message stands.
    public enum State: String, Codable, Sendable, CaseIterable {
        /// Handed to a live session.
        case sent
        /// Its receipt came back.
        case delivered
        /// Waiting on the server for the buddy.
        case queued
        /// Came in.
        case received
        /// Could not be sent.
        case failed
        /// Waited on the server until it expired.
        case expired
    }

    /// The message ID, hex; unique per buddy and direction.
    public var id: String
    /// The other side.
    public var buddy: String
    public var direction: Direction
    /// When it was sent or received, to the millisecond; for a received waiting message, the
    /// sender's `sentAt`.
    public var time: Date {
        didSet { time = Self.milliseconds(time) }
    }
    public var text: String
    public var state: State
    /// Went or came through the server's mailbox (docs/protocol.md 5).
    public var waiting: Bool
    /// Whether a later theft of the identity secrets could open it (false for mode 0 waiting
    /// messages); nil when unknown.
    public var forwardSecret: Bool?

    /// Creates an entry; `time` is rounded to the millisecond.
    public init(id: String, buddy: String, direction: Direction, time: Date, text: String, state: State, waiting: Bool = false, forwardSecret: Bool? = nil) {
        self.id = id
        self.buddy = buddy
        self.direction = direction
        self.time = Self.milliseconds(time)
        self.text = text
        self.state = state
        self.waiting = waiting
        self.forwardSecret = forwardSecret
    }

    private enum CodingKeys: String, CodingKey {
        case id, buddy, direction, time, text, state, waiting, forwardSecret
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let raw = try c.decode(String.self, forKey: .time)
        guard let time = HistoryTime.parse(raw) else {
            throw DecodingError.dataCorruptedError(forKey: .time, in: c, debugDescription: "not an RFC 3339 time: \(raw)")
        }
        self.init(
            id: try c.decode(String.self, forKey: .id), buddy: try c.decode(String.self, forKey: .buddy),
            direction: try c.decode(Direction.self, forKey: .direction), time: time,
            text: try c.decode(String.self, forKey: .text), state: try c.decode(State.self, forKey: .state),
            waiting: try c.decode(Bool.self, forKey: .waiting), forwardSecret: try c.decodeIfPresent(Bool.self, forKey: .forwardSecret)
        )
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(buddy, forKey: .buddy)
        try c.encode(direction, forKey: .direction)
        try c.encode(HistoryTime.format(time), forKey: .time)
        try c.encode(text, forKey: .text)
        try c.encode(state, forKey: .state)
        try c.encode(waiting, forKey: .waiting)
        try c.encode(forwardSecret, forKey: .forwardSecret)
    }

    /// `date` to the nearest millisecond, as a whole number of milliseconds over 1000, so that
    /// what is printed and parsed back compares equal.
    static func milliseconds(_ date: Date) -> Date {
        Date(timeIntervalSince1970: Double(HistoryTime.wholeMilliseconds(date)) / 1000)
    }
}
