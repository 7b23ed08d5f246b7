import Sodium

/// How a waiting message's key is made (docs/protocol.md 5.3):
///
/// ```
/// ad  = "juice/v1/waiting" || version || mode || IK_A.public || IK_B.public || EK || [OPK] || id
/// key = BLAKE2b-256("juice/v1/waiting-key" || DH1 || DH2 [|| DH3] || ad)
/// ```
///
/// The key is new for every message (EK is), so the AEAD's nonce is fixed at 24 zero bytes.
enum WaitingKeySchedule {
    /// The AEAD nonce: 24 zero bytes.
    static var nonce: [UInt8] { [UInt8](repeating: 0, count: Aead.nonceLength) }

    /// The additional data: the label, then everything in the clear that the message is bound to.
    static func ad(mode: WaitingEnvelope.Mode, sender: [UInt8], recipient: [UInt8], ephemeralKey: [UInt8], prekey: [UInt8]?, messageID: [UInt8]) -> [UInt8] {
        Array("juice/v1/waiting".utf8) + [WaitingEnvelope.version, mode.rawValue] + sender + recipient + ephemeralKey + (prekey ?? []) + messageID
    }

    /// The message key from the Diffie-Hellman values, in order, and the additional data.
    static func key(dh: [SecretBytes], ad: [UInt8]) throws(SodiumError) -> SecretBytes {
        var hash = try GenericHash(outputLength: Aead.keyLength)
        hash.update(Array("juice/v1/waiting-key".utf8))
        for value in dh { hash.update(value) }
        hash.update(ad)
        return hash.finalizeSecret()
    }
}
