import CSodium

/// Cryptographically secure random values (`randombytes_buf`).
public enum RandomBytes {
    /// `count` random bytes.
    public static func bytes(_ count: Int) -> [UInt8] {
        _ = try? Sodium.ensureInitialised()
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { randombytes_buf($0.bytes, $0.count) }
        return out
    }

    /// A random 64-bit value.
    public static func uint64() -> UInt64 {
        bytes(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
    }

    /// A random secret of `count` bytes that is wiped when released.
    public static func secret(_ count: Int) -> SecretBytes {
        _ = try? Sodium.ensureInitialised()
        return SecretBytes(count: count) { randombytes_buf($0.bytes, $0.count) }
    }
}
