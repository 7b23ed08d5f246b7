import JuiceCore
import Sodium

/// What the server stores instead of the auth key: `BLAKE2b-256(key = salt, authKey)` with a
/// random 32-byte salt per account. The auth key is itself an Argon2id output, so a stolen
/// database still costs one Argon2id per password guess.
struct AuthVerifier: Sendable {
    let hash: [UInt8]
    let salt: [UInt8]

    /// Size of an auth key, verifier and salt.
    static let length = 32

    /// A verifier for a new auth key, with a fresh salt.
    static func make(authKey: SecretBytes) throws -> AuthVerifier {
        let salt = RandomBytes.bytes(length)
        return AuthVerifier(hash: try compute(authKey, salt: salt), salt: salt)
    }

    /// A verifier that matches no auth key, compared against for unknown users so that they
    /// cost the same time as known ones.
    static let decoy = AuthVerifier(hash: RandomBytes.bytes(length), salt: RandomBytes.bytes(length))

    /// Constant-time check of an auth key.
    func matches(_ authKey: SecretBytes) -> Bool {
        guard let candidate = try? Self.compute(authKey, salt: salt) else { return false }
        return ConstantTime.equals(candidate, hash)
    }

    private static func compute(_ authKey: SecretBytes, salt: [UInt8]) throws -> [UInt8] {
        var h = try GenericHash(outputLength: length, key: SecretBytes(salt))
        h.update(authKey)
        return h.finalize()
    }
}
