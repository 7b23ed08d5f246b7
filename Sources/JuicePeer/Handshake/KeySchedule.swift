import Sodium

/// How the handshake turns its Diffie-Hellman outputs and transcript into keys.
///
/// ```
/// h1      = BLAKE2b-32("juice/v1/h1" || M1)
/// h2      = BLAKE2b-32("juice/v1/h2" || h1 || E_r)
/// ck      = BLAKE2b-32("juice/v1/ck" || es || ss || ee || se || h2)
/// confirm = BLAKE2b-32(key = ck, "juice/v1/confirm")
/// h3      = BLAKE2b-32("juice/v1/h3" || h2 || M2)
/// k_i2r   = BLAKE2b-32(key = ck, "juice/v1/i2r" || h3)
/// k_r2i   = BLAKE2b-32(key = ck, "juice/v1/r2i" || h3)
/// ```
enum KeySchedule {
    static func h1(m1: [UInt8]) throws -> [UInt8] {
        try GenericHash.hash(Array("juice/v1/h1".utf8) + m1)
    }

    static func h2(h1: [UInt8], responderEphemeral: [UInt8]) throws -> [UInt8] {
        try GenericHash.hash(Array("juice/v1/h2".utf8) + h1 + responderEphemeral)
    }

    static func chainingKey(es: SecretBytes, ss: SecretBytes, ee: SecretBytes, se: SecretBytes, h2: [UInt8]) throws -> SecretBytes {
        var h = try GenericHash()
        h.update(Array("juice/v1/ck".utf8))
        h.update(es); h.update(ss); h.update(ee); h.update(se)
        h.update(h2)
        return h.finalizeSecret()
    }

    static func confirmation(chainingKey: SecretBytes) throws -> [UInt8] {
        try GenericHash.hash(Array("juice/v1/confirm".utf8), key: chainingKey)
    }

    static func sessionKeys(chainingKey: SecretBytes, h2: [UInt8], m2: [UInt8]) throws -> SessionKeys {
        let h3 = try GenericHash.hash(Array("juice/v1/h3".utf8) + h2 + m2)
        var i2r = try GenericHash(key: chainingKey)
        i2r.update(Array("juice/v1/i2r".utf8) + h3)
        var r2i = try GenericHash(key: chainingKey)
        r2i.update(Array("juice/v1/r2i".utf8) + h3)
        return SessionKeys(initiatorToResponder: i2r.finalizeSecret(), responderToInitiator: r2i.finalizeSecret())
    }
}

/// The two directional transport keys; a frame sealed for one direction never opens in the other.
public struct SessionKeys: Sendable {
    /// Seals what the initiator sends.
    public let initiatorToResponder: SecretBytes
    /// Seals what the responder sends.
    public let responderToInitiator: SecretBytes
}
