import CSodium

/// Argon2id key derivation from a password (`crypto_pwhash`).
public enum PasswordHash {
    /// Work limits for Argon2id.
    public struct Limits: Sendable, Equatable {
        /// Number of passes.
        public var operations: UInt64
        /// Memory in bytes.
        public var memory: Int

        /// libsodium's INTERACTIVE limits: the minimum Juice accepts.
        public static var interactive: Limits {
            Limits(operations: UInt64(crypto_pwhash_opslimit_interactive()), memory: crypto_pwhash_memlimit_interactive())
        }

        /// libsodium's MODERATE limits.
        public static var moderate: Limits {
            Limits(operations: UInt64(crypto_pwhash_opslimit_moderate()), memory: crypto_pwhash_memlimit_moderate())
        }
    }

    /// Size of the salt in bytes.
    public static var saltLength: Int { crypto_pwhash_saltbytes() }

    /// Derives `length` bytes from `password` and `salt` with Argon2id v1.3.
    public static func deriveKey(
        length: Int,
        password: SecretBytes,
        salt: [UInt8],
        limits: Limits = .interactive
    ) throws(SodiumError) -> SecretBytes {
        try Sodium.ensureInitialised()
        try SodiumError.check(salt, is: saltLength, "Argon2id salt")
        return try SecretBytes(count: length) { (out: UnsafeMutableRawBufferPointer) throws(SodiumError) in
            let result = password.withUnsafeBytes { pw in
                salt.withUnsafeBytes { s in
                    crypto_pwhash(
                        out.bytes, UInt64(length),
                        pw.chars, UInt64(pw.count),
                        s.bytes,
                        limits.operations, limits.memory, crypto_pwhash_alg_argon2id13()
                    )
                }
            }
            guard result == 0 else { throw .operationFailed("Argon2id (out of memory?)") }
        }
    }
}
