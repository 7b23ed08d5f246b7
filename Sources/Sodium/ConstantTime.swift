import CSodium

/// Comparisons and wiping that do not leak through timing or leave copies behind.
public enum ConstantTime {
    /// Compares two buffers in time that depends only on their length (`sodium_memcmp`).
    public static func equals(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        guard a.count > 0 else { return true }
        return sodium_memcmp(a.baseAddress, b.baseAddress, a.count) == 0
    }

    /// Compares two byte arrays in constant time.
    public static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.withUnsafeBytes { x in b.withUnsafeBytes { y in equals(x, y) } }
    }

    /// Overwrites the bytes with zeros (`sodium_memzero`).
    public static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { sodium_memzero($0.baseAddress, $0.count) }
    }

    /// True when every byte is zero, in constant time (`sodium_is_zero`).
    public static func isZero(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { sodium_is_zero($0.bindMemory(to: UInt8.self).baseAddress, $0.count) == 1 }
    }
}
