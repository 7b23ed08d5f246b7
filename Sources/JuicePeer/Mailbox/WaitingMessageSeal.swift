import Foundation
import JuiceCore
import Sodium

/// Seals a message for a buddy who is offline and opens one such message (docs/protocol.md 5.3).
///
/// | mode | Diffie-Hellman values (sender's view) |
/// |---|---|
/// | 1, one-time prekey | DH1 = X25519(IK_A, OPK_B), DH2 = X25519(EK_A, IK_B), DH3 = X25519(EK_A, OPK_B) |
/// | 0, no prekey | DH1 = X25519(IK_A, IK_B), DH2 = X25519(EK_A, IK_B) |
///
/// Every Diffie-Hellman value and key is ``SecretBytes``, wiped when released; so is the
/// ephemeral secret, which lives only for the one call to ``seal(text:sentAt:messageID:sender:recipient:prekey:)``.
public enum WaitingMessageSeal {
    /// Seals `text` from `sender` (the user's identity key pair) to a buddy's identity key
    /// `recipient`, and to the buddy's one-time `prekey` when the server gave one (mode 1; else mode 0).
    ///
    /// Throws when either key is not a valid X25519 public key, the text is longer than 16,384
    /// UTF-8 bytes, the message ID is not 16 bytes, or `sentAt` is before 1970.
    public static func seal(
        text: String, sentAt: Date, messageID: [UInt8] = RandomBytes.bytes(WaitingEnvelope.messageIDLength),
        sender: BoxKeyPair, recipient: [UInt8], prekey: [UInt8]?
    ) throws(InvalidValue) -> WaitingEnvelope {
        let ephemeral: BoxKeyPair
        do { ephemeral = try BoxKeyPair.generate() } catch { throw InvalidValue("cannot make an ephemeral key: \(error)") }
        return try seal(text: text, sentAt: sentAt, messageID: messageID, sender: sender, recipient: recipient, prekey: prekey, ephemeralSecret: ephemeral.secretKey)
    }

    /// ``seal(text:sentAt:messageID:sender:recipient:prekey:)`` with a given ephemeral secret, for
    /// the test vectors (docs/protocol.md 5.7). Never reuse an ephemeral secret.
    static func seal(
        text: String, sentAt: Date, messageID: [UInt8], sender: BoxKeyPair, recipient: [UInt8], prekey: [UInt8]?, ephemeralSecret: SecretBytes
    ) throws(InvalidValue) -> WaitingEnvelope {
        guard messageID.count == WaitingEnvelope.messageIDLength else { throw InvalidValue("a message ID must be \(WaitingEnvelope.messageIDLength) bytes") }
        let utf8 = text.utf8
        guard utf8.count <= WaitingEnvelope.maxTextBytes else {
            throw InvalidValue("a waiting message of \(utf8.count) bytes is too long (at most \(WaitingEnvelope.maxTextBytes) bytes of UTF-8)")
        }
        guard let milliseconds = UInt64(exactly: (sentAt.timeIntervalSince1970 * 1000).rounded()) else { throw InvalidValue("a waiting message's time must not be before 1970") }
        do { try BoxKeyPair.validate(publicKey: recipient) } catch { throw InvalidValue("the buddy's identity key is not a valid X25519 public key") }
        if let prekey {
            do { try BoxKeyPair.validate(publicKey: prekey) } catch { throw InvalidValue("the buddy's prekey is not a valid X25519 public key") }
        }
        let mode: WaitingEnvelope.Mode = prekey == nil ? .noPrekey : .oneTimePrekey
        let ephemeralKey: [UInt8], ciphertext: [UInt8]
        do throws(SodiumError) {
            let ephemeral = try BoxKeyPair(secretKey: ephemeralSecret)
            var dh = [
                try KeyAgreement.sharedSecret(sender.secretKey, prekey ?? recipient),
                try KeyAgreement.sharedSecret(ephemeral.secretKey, recipient),
            ]
            if let prekey { dh.append(try KeyAgreement.sharedSecret(ephemeral.secretKey, prekey)) }
            let ad = WaitingKeySchedule.ad(mode: mode, sender: sender.publicKey, recipient: recipient, ephemeralKey: ephemeral.publicKey, prekey: prekey, messageID: messageID)
            let key = try WaitingKeySchedule.key(dh: dh, ad: ad)
            dh.removeAll()
            let plaintext = SecretBytes(count: WaitingEnvelope.sentAtLength + utf8.count) { out in
                for index in 0..<WaitingEnvelope.sentAtLength { out[index] = UInt8(truncatingIfNeeded: milliseconds >> UInt64(56 - 8 * index)) }
                _ = UnsafeMutableRawBufferPointer(rebasing: out[WaitingEnvelope.sentAtLength...]).initializeMemory(as: UInt8.self, from: utf8)
            }
            ephemeralKey = ephemeral.publicKey
            ciphertext = try Aead.seal(plaintext, ad: ad, nonce: WaitingKeySchedule.nonce, key: key)
        } catch {
            throw InvalidValue("cannot seal the waiting message: \(error)")
        }
        return try WaitingEnvelope(ephemeralKey: ephemeralKey, prekey: prekey, messageID: messageID, ciphertext: ciphertext)
    }

    /// Opens `envelope` from the buddy whose pinned identity key is `sender`, with the user's
    /// identity key pair and, in mode 1, the secret of the envelope's prekey from this machine's
    /// ``PrekeyStore`` (nil when it has none: ``WaitingMessageError/noPrekeySecret``). Mode 0
    /// ignores `prekeySecret`.
    public static func open(_ envelope: WaitingEnvelope, sender: [UInt8], recipient: BoxKeyPair, prekeySecret: SecretBytes?) throws(WaitingMessageError) -> WaitingMessage {
        if envelope.mode == .oneTimePrekey, prekeySecret == nil { throw .noPrekeySecret }
        let plaintext: SecretBytes
        do throws(SodiumError) {
            var dh: [SecretBytes]
            if envelope.mode == .oneTimePrekey, let prekeySecret {
                dh = [
                    try KeyAgreement.sharedSecret(prekeySecret, sender),
                    try KeyAgreement.sharedSecret(recipient.secretKey, envelope.ephemeralKey),
                    try KeyAgreement.sharedSecret(prekeySecret, envelope.ephemeralKey),
                ]
            } else {
                dh = [
                    try KeyAgreement.sharedSecret(recipient.secretKey, sender),
                    try KeyAgreement.sharedSecret(recipient.secretKey, envelope.ephemeralKey),
                ]
            }
            let ad = WaitingKeySchedule.ad(
                mode: envelope.mode, sender: sender, recipient: recipient.publicKey, ephemeralKey: envelope.ephemeralKey,
                prekey: envelope.prekey, messageID: envelope.messageID
            )
            let key = try WaitingKeySchedule.key(dh: dh, ad: ad)
            dh.removeAll()
            plaintext = try Aead.open(envelope.ciphertext, ad: ad, nonce: WaitingKeySchedule.nonce, key: key)
        } catch {
            throw .doesNotOpen
        }
        return try plaintext.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) throws(WaitingMessageError) in
            guard bytes.count >= WaitingEnvelope.sentAtLength, bytes.count - WaitingEnvelope.sentAtLength <= WaitingEnvelope.maxTextBytes else { throw .malformed }
            let milliseconds = bytes.prefix(WaitingEnvelope.sentAtLength).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            // A time no clock gives (before 2020, or more than a day ahead of ours) is not a message.
            guard WaitingMessage.plausibleSentAt.contains(milliseconds) else { throw .malformed }
            guard let text = String(validating: bytes[WaitingEnvelope.sentAtLength...], as: UTF8.self) else { throw .malformed }
            return WaitingMessage(
                messageID: envelope.messageID, sentAt: Date(timeIntervalSince1970: TimeInterval(milliseconds) / 1000), text: text,
                forwardSecret: envelope.mode == .oneTimePrekey
            )
        }
    }
}
