import Synchronization
import Sodium

/// What travels inside the encrypted transport, one per secretstream record:
/// `type (u8) || body`.
public enum TransportMessage: Sendable, Equatable {
    /// First record in each direction: confirms the keys and (re)states presence. Type 1.
    case hello(PeerPresence)
    /// A live change of flags or status. Type 2.
    case presence(PeerPresence)
    /// A chat message: `id (16 bytes) || UTF-8 text`. Type 3.
    case chat(id: MessageID, text: String)
    /// Receipt for a chat message: `id (16 bytes)`. Type 4.
    case delivered(MessageID)
    /// Keepalive request. Type 5.
    case ping
    /// Keepalive answer. Type 6.
    case pong
    /// Clean logout; sent with the secretstream FINAL tag. Type 7.
    case goodbye

    /// Largest chat text in UTF-8 bytes.
    public static let maxTextBytes = 64 * 1024

    var encoded: [UInt8] {
        var w = ByteWriter(capacity: encodedCapacity)
        switch self {
        case .hello(let p): w.u8(1); p.write(to: &w)
        case .presence(let p): w.u8(2); p.write(to: &w)
        case .chat(let id, let text): w.u8(3); w.raw(id.bytes); w.append(text.utf8)
        case .delivered(let id): w.u8(4); w.raw(id.bytes)
        case .ping: w.u8(5)
        case .pong: w.u8(6)
        case .goodbye: w.u8(7)
        }
        return w.bytes
    }

    /// The encoded size where it is known up front (a chat text can be 64 KiB); a default otherwise.
    private var encodedCapacity: Int {
        switch self {
        case .chat(_, let text): 1 + MessageID.length + text.utf8.count
        case .delivered: 1 + MessageID.length
        case .ping, .pong, .goodbye: 1
        case .hello, .presence: 64
        }
    }

    init(_ bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes)
        switch try r.u8() {
        case 1: self = .hello(try PeerPresence.read(from: &r))
        case 2: self = .presence(try PeerPresence.read(from: &r))
        case 3:
            let id = MessageID(bytes: try r.raw(MessageID.length))
            guard r.remaining <= Self.maxTextBytes, let string = r.restAsString() else { throw .malformed }
            self = .chat(id: id, text: string)
            return
        case 4: self = .delivered(MessageID(bytes: try r.raw(MessageID.length)))
        case 5: self = .ping
        case 6: self = .pong
        case 7: self = .goodbye
        default: throw .malformed
        }
        try r.finish()
    }
}

/// A chat message's identity: 16 bytes, shown as 32 hex digits. Fresh IDs are a random 8-byte
/// prefix drawn once per process and an 8-byte counter: unique, and no system call per message.
public struct MessageID: Sendable, Hashable, CustomStringConvertible {
    /// The raw bytes.
    public let bytes: [UInt8]
    static let length = 16
    private static let prefix = RandomBytes.bytes(8)
    private static let counter = Atomic<UInt64>(UInt64.random(in: 0...(UInt64.max / 2)))

    /// A fresh ID.
    public static func random() -> MessageID {
        var w = ByteWriter(capacity: length)
        w.raw(prefix)
        w.u64(counter.add(1, ordering: .relaxed).newValue) // big-endian
        return MessageID(bytes: w.bytes)
    }

    /// An ID as its 16 bytes (a waiting message's, docs/protocol.md 5.3).
    public init(bytes: [UInt8]) { self.bytes = bytes }

    public var description: String { bytes.map { String($0, radix: 16).leftPadded(2) }.joined() }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
