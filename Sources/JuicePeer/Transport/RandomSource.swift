import Sodium

/// Random bytes for IDs and nonces (libsodium's CSPRNG).
enum RandomSource {
    static func bytes(_ count: Int) -> [UInt8] { RandomBytes.bytes(count) }
}
