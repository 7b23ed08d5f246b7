/// Failures of the libsodium wrappers. Descriptions never include key material.
public enum SodiumError: Error, Equatable, CustomStringConvertible {
    /// `sodium_init` failed.
    case initialisationFailed
    /// An input had the wrong size for the primitive.
    case invalidLength(what: String, expected: Int, actual: Int)
    /// Authenticated decryption failed: wrong key, or the data was altered.
    case authenticationFailed
    /// A public key is all zero or of low order.
    case weakPublicKey
    /// The primitive itself reported failure (for example Argon2id ran out of memory).
    case operationFailed(String)

    public var description: String {
        switch self {
        case .initialisationFailed: "libsodium could not be initialised"
        case .invalidLength(let what, let expected, let actual): "\(what) must be \(expected) bytes, got \(actual)"
        case .authenticationFailed: "authentication failed"
        case .weakPublicKey: "public key is all zero or of low order"
        case .operationFailed(let what): "\(what) failed"
        }
    }

    static func check(_ bytes: some Collection, is expected: Int, _ what: String) throws(SodiumError) {
        guard bytes.count == expected else { throw .invalidLength(what: what, expected: expected, actual: bytes.count) }
    }
}
