import Sodium

/// A session's peer ID: random, non-zero and below 2^53 (safe in any JSON parser); 0 means offline.
public struct PeerID: Sendable, Hashable, Codable, CustomStringConvertible, RawRepresentable {
    /// The numeric value, as stored in PostgreSQL's `bigint`.
    public let rawValue: Int64

    /// The ID of nobody: the user is offline.
    public static let offline = PeerID(rawValue: 0)!

    /// Exclusive upper bound of peer IDs.
    public static let limit: Int64 = 1 << 53

    /// Accepts 0 and values in 1..<2^53; nil otherwise.
    public init?(rawValue: Int64) {
        guard rawValue >= 0, rawValue < Self.limit else { return nil }
        self.rawValue = rawValue
    }

    /// A fresh random non-zero peer ID.
    public static func random() -> PeerID {
        while true {
            let value = Int64(RandomBytes.uint64() & UInt64(limit - 1))
            if value != 0 { return PeerID(rawValue: value)! }
        }
    }

    /// True for any peer ID but 0.
    public var isOnline: Bool { rawValue != 0 }

    public var description: String { String(rawValue) }

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode(Int64.self)
        guard let id = PeerID(rawValue: raw) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "peer ID out of range"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}
