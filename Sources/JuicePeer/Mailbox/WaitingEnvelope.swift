import JuiceCore

/// A waiting message as the server stores it (docs/protocol.md 5.3):
///
/// ```
/// version (1, = 1) || mode (1) || EK (32) || OPK (32, mode 1 only) || id (16) || ciphertext
/// ciphertext = XChaCha20-Poly1305(sentAt (8) || text (UTF-8, at most 16,384)) || tag (16)
/// ```
///
/// Parsing checks the bounds of 5.5's first row and nothing else: whether it opens is
/// ``WaitingMessageSeal``'s business.
public struct WaitingEnvelope: Sendable, Equatable {
    /// Which keys the message is sealed to.
    public enum Mode: UInt8, Sendable {
        /// The recipient's identity key alone (the server had no prekey): not forward secret.
        case noPrekey = 0
        /// The recipient's identity key and one of its one-time prekeys: forward secret.
        case oneTimePrekey = 1
    }

    /// The only envelope version.
    public static let version: UInt8 = 1
    /// Size of EK and OPK (X25519 public keys).
    public static let keyLength = 32
    /// Size of the message ID.
    public static let messageIDLength = 16
    /// Size of `sentAt` at the start of the plaintext.
    public static let sentAtLength = 8
    /// Size of the AEAD tag at the end of the ciphertext.
    public static let tagLength = 16
    /// Most UTF-8 bytes of text a waiting message carries.
    public static let maxTextBytes = 16_384
    /// Most bytes of an envelope: the mode-1 header, time and tag, and the most text (16,490).
    public static let maxBytes = minimumBytes(.oneTimePrekey) + maxTextBytes

    /// Fewest bytes of an envelope of `mode` (empty text): 74 for mode 0, 106 for mode 1.
    public static func minimumBytes(_ mode: Mode) -> Int {
        headerLength(mode) + sentAtLength + tagLength
    }

    /// Bytes before the ciphertext: version, mode, EK, OPK in mode 1, message ID.
    static func headerLength(_ mode: Mode) -> Int {
        2 + keyLength + (mode == .oneTimePrekey ? keyLength : 0) + messageIDLength
    }

    /// Which keys it is sealed to; mode 1 exactly when ``prekey`` is set.
    public var mode: Mode { prekey == nil ? .noPrekey : .oneTimePrekey }
    /// The sender's ephemeral public key, EK.
    public let ephemeralKey: [UInt8]
    /// The recipient's one-time prekey it is sealed to, OPK (mode 1 only).
    public let prekey: [UInt8]?
    /// The sender's random message ID.
    public let messageID: [UInt8]
    /// The sealed `sentAt || text`, tag included.
    public let ciphertext: [UInt8]

    /// An envelope from its parts; mode 1 when `prekey` is given. Throws when a part has the
    /// wrong size or the whole would be outside the bounds of ``init(bytes:)``.
    public init(ephemeralKey: [UInt8], prekey: [UInt8]?, messageID: [UInt8], ciphertext: [UInt8]) throws(InvalidValue) {
        guard ephemeralKey.count == Self.keyLength else { throw InvalidValue("an ephemeral key must be \(Self.keyLength) bytes") }
        guard prekey == nil || prekey?.count == Self.keyLength else { throw InvalidValue("a prekey must be \(Self.keyLength) bytes") }
        guard messageID.count == Self.messageIDLength else { throw InvalidValue("a message ID must be \(Self.messageIDLength) bytes") }
        self.ephemeralKey = ephemeralKey
        self.prekey = prekey
        self.messageID = messageID
        self.ciphertext = ciphertext
        try Self.checkLength(Self.headerLength(mode) + ciphertext.count, mode: mode)
    }

    /// Parses an envelope; throws unless it is at least 74 bytes (mode 0) or 106 (mode 1), at most
    /// 16,490, of version 1 and of a known mode.
    public init(bytes: [UInt8]) throws(InvalidValue) {
        guard bytes.count >= 2 else { throw InvalidValue("a waiting message of \(bytes.count) bytes is too short") }
        guard bytes[0] == Self.version else { throw InvalidValue("a waiting message of version \(bytes[0]) is not supported") }
        guard let mode = Mode(rawValue: bytes[1]) else { throw InvalidValue("a waiting message of mode \(bytes[1]) is not supported") }
        try Self.checkLength(bytes.count, mode: mode)
        var offset = 2
        func take(_ count: Int) -> [UInt8] {
            defer { offset += count }
            return Array(bytes[offset..<offset + count])
        }
        ephemeralKey = take(Self.keyLength)
        prekey = mode == .oneTimePrekey ? take(Self.keyLength) : nil
        messageID = take(Self.messageIDLength)
        ciphertext = Array(bytes[offset...])
    }

    /// The envelope's bytes.
    public var bytes: [UInt8] { header + ciphertext }

    /// `version || mode || EK || [OPK] || id`.
    var header: [UInt8] { [Self.version, mode.rawValue] + ephemeralKey + (prekey ?? []) + messageID }

    private static func checkLength(_ count: Int, mode: Mode) throws(InvalidValue) {
        guard count >= minimumBytes(mode) else {
            throw InvalidValue("a mode-\(mode.rawValue) waiting message of \(count) bytes is too short (at least \(minimumBytes(mode)))")
        }
        guard count <= maxBytes else { throw InvalidValue("a waiting message of \(count) bytes is too long (at most \(maxBytes))") }
    }
}
