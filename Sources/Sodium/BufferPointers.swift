/// Non-optional pointers for libsodium, which takes plain pointers even for empty input.
nonisolated(unsafe) private let emptyByte = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)

extension UnsafeRawBufferPointer {
    /// The start of the bytes; a valid dummy pointer when the buffer is empty.
    var bytes: UnsafePointer<UInt8> {
        baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) } ?? UnsafePointer(emptyByte)
    }
}

extension UnsafeMutableRawBufferPointer {
    /// The start of the bytes; a valid dummy pointer when the buffer is empty.
    var bytes: UnsafeMutablePointer<UInt8> {
        baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) } ?? emptyByte
    }
}

extension UnsafeRawBufferPointer {
    /// The start of the bytes as C characters (for password and context arguments).
    var chars: UnsafePointer<CChar> { UnsafeRawPointer(bytes).assumingMemoryBound(to: CChar.self) }
}
