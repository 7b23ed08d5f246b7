import CSodium

/// Secret bytes (a key, a password) that are wiped with `sodium_memzero` when the last reference goes away.
///
/// The storage is immutable after creation, so the value can be shared across tasks.
public final class SecretBytes: @unchecked Sendable {
    private let storage: UnsafeMutableRawBufferPointer

    /// Takes a copy of `bytes`. The caller should wipe its own copy.
    public init(_ bytes: some Collection<UInt8>) {
        storage = .allocate(byteCount: max(bytes.count, 1), alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
        _ = UnsafeMutableRawBufferPointer(rebasing: storage[0..<bytes.count]).initializeMemory(as: UInt8.self, from: bytes)
        count = bytes.count
    }

    /// Creates `count` bytes filled by `body`, which receives a zeroed buffer.
    public init<E: Error>(count: Int, _ body: (UnsafeMutableRawBufferPointer) throws(E) -> Void) throws(E) {
        storage = .allocate(byteCount: max(count, 1), alignment: 16)
        storage.initializeMemory(as: UInt8.self, repeating: 0)
        self.count = count
        // If body throws, the instance is already complete, so deinit wipes and frees the storage.
        try body(UnsafeMutableRawBufferPointer(rebasing: storage[0..<count]))
    }

    /// Number of secret bytes.
    public let count: Int

    /// Gives temporary read access to the bytes.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(rebasing: storage[0..<count]))
    }

    /// A copy of the bytes, for sending over the wire. The caller owns the copy and should wipe it.
    public var copiedBytes: [UInt8] { withUnsafeBytes { Array($0) } }

    deinit {
        sodium_memzero(storage.baseAddress, storage.count)
        storage.deallocate()
    }
}

extension SecretBytes: Equatable {
    /// Constant-time comparison.
    public static func == (lhs: SecretBytes, rhs: SecretBytes) -> Bool {
        lhs.withUnsafeBytes { a in rhs.withUnsafeBytes { b in ConstantTime.equals(a, b) } }
    }
}
