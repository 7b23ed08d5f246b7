import Crypto

/// MESSAGE-INTEGRITY (HMAC-SHA1, RFC 8489 §14.5) and FINGERPRINT (CRC-32 XOR 0x5354554E, §14.7).
extension StunMessage {
    /// The wire form with MESSAGE-INTEGRITY keyed by `integrityKey` (the long-term key, or the
    /// password for short-term credentials) and then FINGERPRINT if asked. The attributes must not
    /// already contain either.
    public func encoded(integrityKey: [UInt8]?, fingerprint: Bool = false) -> [UInt8] {
        var bytes = encoded()
        if let integrityKey {
            Self.setLength(&bytes, bytes.count - Self.headerSize + 24)
            let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: bytes, using: SymmetricKey(data: integrityKey)))
            StunAttribute(type: .messageIntegrity, value: mac).append(to: &bytes)
        }
        if fingerprint {
            Self.setLength(&bytes, bytes.count - Self.headerSize + 8)
            var value: [UInt8] = []
            value.appendBigEndian(CRC32.checksum(bytes) ^ 0x5354_554E)
            StunAttribute(type: .fingerprint, value: value).append(to: &bytes)
        }
        return bytes
    }

    /// Checks the MESSAGE-INTEGRITY of a whole encoded message: `nil` if it has none, otherwise
    /// whether the HMAC matches. Throws for bytes that are not a STUN message.
    public static func verifyIntegrity(of bytes: [UInt8], key: [UInt8]) throws(StunError) -> Bool? {
        guard let offset = try attributeOffset(of: .messageIntegrity, in: bytes) else { return nil }
        guard Int(bytes.bigEndianUInt16(at: offset + 2)) == 20 else { return false }
        var covered = Array(bytes[..<offset])
        setLength(&covered, offset - headerSize + 24)
        let expected = bytes[(offset + 4)..<(offset + 24)]
        return HMAC<Insecure.SHA1>.isValidAuthenticationCode(Array(expected), authenticating: covered, using: SymmetricKey(data: key))
    }

    /// Checks the FINGERPRINT of a whole encoded message: `nil` if it has none, otherwise whether
    /// it is the last attribute and its CRC matches.
    public static func verifyFingerprint(of bytes: [UInt8]) throws(StunError) -> Bool? {
        guard let offset = try attributeOffset(of: .fingerprint, in: bytes) else { return nil }
        guard offset + 8 == bytes.count, bytes.bigEndianUInt16(at: offset + 2) == 4 else { return false }
        return CRC32.checksum(bytes[..<offset]) ^ 0x5354_554E == bytes.bigEndianUInt32(at: offset + 4)
    }

    /// The offset of the first attribute of a type in a well-formed message.
    private static func attributeOffset(of kind: StunAttribute.Kind, in bytes: [UInt8]) throws(StunError) -> Int? {
        _ = try StunMessage(decoding: bytes)  // validates every length first
        var offset = headerSize
        while offset + 4 <= bytes.count {
            if bytes.bigEndianUInt16(at: offset) == kind.rawValue { return offset }
            let length = Int(bytes.bigEndianUInt16(at: offset + 2))
            offset += 4 + length + (4 - length % 4) % 4
        }
        return nil
    }

    private static func setLength(_ bytes: inout [UInt8], _ length: Int) {
        bytes[2] = UInt8((length >> 8) & 0xFF)
        bytes[3] = UInt8(length & 0xFF)
    }
}

/// CRC-32 (ISO 3309 / IEEE 802.3), as FINGERPRINT uses.
enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
