/// Appends fixed-layout fields, big-endian.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func raw(_ value: [UInt8]) { bytes += value }

    mutating func append(_ value: String.UTF8View) { bytes.append(contentsOf: value) }

    /// A string of at most 255 UTF-8 bytes, length-prefixed with one byte.
    mutating func shortString(_ value: String) {
        let utf8 = Array(value.utf8.prefix(255))
        u8(UInt8(utf8.count))
        raw(utf8)
    }
}

/// Reads fixed-layout fields, big-endian; every read is bounds-checked and throws on truncation.
struct ByteReader {
    private let bytes: [UInt8]
    private var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    mutating func u8() throws(WireError) -> UInt8 {
        guard remaining >= 1 else { throw .truncated }
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u64() throws(WireError) -> UInt64 {
        guard remaining >= 8 else { throw .truncated }
        defer { offset += 8 }
        var value: UInt64 = 0
        for index in offset..<offset + 8 { value = value << 8 | UInt64(bytes[index]) }
        return value
    }

    mutating func raw(_ count: Int) throws(WireError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw .truncated }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func rest() -> [UInt8] {
        defer { offset = bytes.count }
        return Array(bytes[offset...])
    }

    /// The remaining bytes as UTF-8 text, validated in place (no intermediate copy); nil if invalid.
    mutating func restAsString() -> String? {
        defer { offset = bytes.count }
        return String(validating: bytes[offset...], as: UTF8.self)
    }

    mutating func shortString() throws(WireError) -> String {
        let bytes = try raw(Int(try u8()))
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .malformed }
        return text
    }

    /// Fails unless every byte was read.
    func finish() throws(WireError) {
        guard remaining == 0 else { throw .malformed }
    }
}

/// A message did not have the layout its kind requires.
public enum WireError: Error, Equatable, CustomStringConvertible {
    case truncated, malformed, frameTooLarge(Int), unknownKind(UInt8)

    public var description: String {
        switch self {
        case .truncated: "truncated message"
        case .malformed: "malformed message"
        case .frameTooLarge(let size): "frame of \(size) bytes is over the limit"
        case .unknownKind(let kind): "unknown frame kind \(kind)"
        }
    }
}
