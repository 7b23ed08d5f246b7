import JuiceCore
import Sodium

/// A number two buddies compare out of band to check that each has the other's real key.
/// Both sides compute the same 30 digits, six groups of 5 separated by spaces:
/// `BLAKE2b-30("juice/v1/safety" || name_a || 0x00 || key_a || name_b || 0x00 || key_b)` with the
/// pairs sorted by username, each 5-byte group taken modulo 10^5 and shown as 5 digits.
public enum SafetyNumber {
    /// The safety number for two users and their keys.
    public static func compute(_ a: (Username, [UInt8]), _ b: (Username, [UInt8])) throws -> String {
        let (first, second) = a.0 < b.0 ? (a, b) : (b, a)
        let input = Array("juice/v1/safety".utf8) + Array(first.0.value.utf8) + [0] + first.1 + Array(second.0.value.utf8) + [0] + second.1
        let digest = try GenericHash.hash(input, outputLength: 30)
        return stride(from: 0, to: 30, by: 5).map { offset in
            let value = digest[offset..<offset + 5].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } % 100_000
            return String(value).leftPadded(5)
        }.joined(separator: " ")
    }
}
