/// Why a handshake failed. Every cryptographic failure is the same case, so a peer learns
/// nothing from which check failed.
public enum HandshakeError: Error, Equatable, CustomStringConvertible {
    /// Bad version byte.
    case unsupportedVersion
    /// The message does not have the required layout.
    case malformed(WireError)
    /// A box did not open, a key was weak, or the confirmation did not match.
    case authenticationFailed
    /// The initiator's key is not a pinned key of an accepted buddy.
    case unknownPeer
    /// The message names a peer ID that is not ours now.
    case stalePeerID
    /// The timestamp is not newer than the last one accepted, or too far from now.
    case replayed
    /// Too many handshakes at once: dropped before any public-key work.
    case throttled
    /// The message arrived in a state that does not expect it.
    case unexpectedMessage

    public var description: String {
        switch self {
        case .unsupportedVersion: "unsupported handshake version"
        case .malformed(let error): "malformed handshake: \(error)"
        case .authenticationFailed: "handshake authentication failed"
        case .unknownPeer: "handshake from a key that is not a buddy's"
        case .stalePeerID: "handshake for a stale peer ID"
        case .replayed: "replayed or out-of-window handshake"
        case .throttled: "too many handshakes"
        case .unexpectedMessage: "unexpected handshake message"
        }
    }
}
