/// Why a waiting message did not open (docs/protocol.md 5.5). Descriptions carry no key material.
public enum WaitingMessageError: Error, Equatable, CustomStringConvertible {
    /// Mode 1 and this machine has no secret for its prekey: keep it and do not acknowledge it
    /// (it may be for another machine of the user's, or the server substituted the prekey).
    case noPrekeySecret
    /// The ciphertext does not open: wrong sender key, tampering, or a substituted prekey.
    case doesNotOpen
    /// It opened, but the plaintext is not `sentAt || text` with valid UTF-8 text of at most 16,384 bytes.
    case malformed

    public var description: String {
        switch self {
        case .noPrekeySecret: "a waiting message is sealed to a prekey this machine has no secret for"
        case .doesNotOpen: "a waiting message does not open (wrong sender key or altered)"
        case .malformed: "a waiting message opened but its contents are malformed"
        }
    }
}
