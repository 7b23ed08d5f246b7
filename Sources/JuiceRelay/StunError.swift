/// Why a STUN or TURN exchange failed. Every malformed input from the network ends here, never in
/// a crash.
public enum StunError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not a well-formed STUN message (the reason says which rule broke).
    case malformed(String)
    /// A STUN message announced more bytes than the limit allows.
    case tooLarge(Int)
    /// The server answered with an error response: code (e.g. 401, 438) and reason phrase.
    case errorResponse(code: Int, reason: String)
    /// A success response lacked an attribute the method requires.
    case missingAttribute(String)
    /// A response's MESSAGE-INTEGRITY or FINGERPRINT did not verify.
    case integrityMismatch
    /// No answer within the transaction timeout.
    case timeout
    /// The connection closed before the answer.
    case connectionClosed
    /// The operation needs a state it is not in (e.g. refresh after close).
    case invalidState(String)

    public var description: String {
        switch self {
        case .malformed(let why): "malformed STUN message: \(why)"
        case .tooLarge(let n): "STUN message of \(n) bytes is over the limit"
        case .errorResponse(let code, let reason): "STUN error \(code)\(reason.isEmpty ? "" : " (\(reason))")"
        case .missingAttribute(let name): "STUN response without \(name)"
        case .integrityMismatch: "STUN response failed its MESSAGE-INTEGRITY or FINGERPRINT check"
        case .timeout: "no STUN answer in time"
        case .connectionClosed: "the STUN/TURN connection closed"
        case .invalidState(let why): why
        }
    }
}
