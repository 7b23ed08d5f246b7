import JuiceCore
@testable import JuicePeer
import Testing

/// The envelope's layout and every bound of docs/protocol.md 5.5's first row, and nothing else.
@Suite struct WaitingEnvelopeTests {
    static let ek = [UInt8](repeating: 0xE0, count: 32), opk = [UInt8](repeating: 0x0B, count: 32), id = [UInt8](repeating: 0x1D, count: 16)

    /// An envelope of `mode` with `total` bytes in all.
    static func bytes(version: UInt8 = 1, mode: UInt8, total: Int) -> [UInt8] {
        let header = [version, mode] + ek + (mode == 1 ? opk : []) + id
        return header + [UInt8](repeating: 0xCC, count: max(0, total - header.count))
    }

    @Test func roundTripsBothModes() throws {
        let zero = try WaitingEnvelope(ephemeralKey: Self.ek, prekey: nil, messageID: Self.id, ciphertext: [UInt8](repeating: 7, count: 24))
        #expect(zero.mode == .noPrekey)
        #expect(zero.bytes == [1, 0] + Self.ek + Self.id + [UInt8](repeating: 7, count: 24))
        #expect(try WaitingEnvelope(bytes: zero.bytes) == zero)
        let one = try WaitingEnvelope(ephemeralKey: Self.ek, prekey: Self.opk, messageID: Self.id, ciphertext: [UInt8](repeating: 9, count: 30))
        #expect(one.mode == .oneTimePrekey)
        #expect(one.bytes == [1, 1] + Self.ek + Self.opk + Self.id + [UInt8](repeating: 9, count: 30))
        let parsed = try WaitingEnvelope(bytes: one.bytes)
        #expect(parsed == one)
        #expect(parsed.prekey == Self.opk && parsed.ephemeralKey == Self.ek && parsed.messageID == Self.id && parsed.ciphertext.count == 30)
    }

    @Test func constantsAreThoseOfTheSpec() {
        #expect(WaitingEnvelope.minimumBytes(.noPrekey) == 74)
        #expect(WaitingEnvelope.minimumBytes(.oneTimePrekey) == 106)
        #expect(WaitingEnvelope.maxBytes == 16_490)
        #expect(WaitingEnvelope.maxTextBytes == 16_384)
    }

    @Test func lengthBoundsPerMode() throws {
        #expect(try WaitingEnvelope(bytes: Self.bytes(mode: 0, total: 74)).ciphertext.count == 24)
        #expect(throws: InvalidValue("a mode-0 waiting message of 73 bytes is too short (at least 74)")) { try WaitingEnvelope(bytes: Self.bytes(mode: 0, total: 73)) }
        #expect(try WaitingEnvelope(bytes: Self.bytes(mode: 1, total: 106)).ciphertext.count == 24)
        #expect(throws: InvalidValue("a mode-1 waiting message of 105 bytes is too short (at least 106)")) { try WaitingEnvelope(bytes: Self.bytes(mode: 1, total: 105)) }
        for mode: UInt8 in [0, 1] {
            #expect(try WaitingEnvelope(bytes: Self.bytes(mode: mode, total: 16_490)).bytes.count == 16_490)
            #expect(throws: InvalidValue("a waiting message of 16491 bytes is too long (at most 16490)")) { try WaitingEnvelope(bytes: Self.bytes(mode: mode, total: 16_491)) }
        }
        #expect(throws: InvalidValue.self) { try WaitingEnvelope(bytes: []) }
        #expect(throws: InvalidValue.self) { try WaitingEnvelope(bytes: [1]) }
        #expect(throws: InvalidValue.self) { try WaitingEnvelope(bytes: [1, 0]) }
    }

    @Test func versionAndModeMustBeKnown() throws {
        #expect(throws: InvalidValue("a waiting message of version 2 is not supported")) { try WaitingEnvelope(bytes: Self.bytes(version: 2, mode: 0, total: 200)) }
        #expect(throws: InvalidValue("a waiting message of version 0 is not supported")) { try WaitingEnvelope(bytes: Self.bytes(version: 0, mode: 1, total: 200)) }
        #expect(throws: InvalidValue("a waiting message of mode 7 is not supported")) { try WaitingEnvelope(bytes: Self.bytes(mode: 7, total: 200)) }
        #expect(throws: InvalidValue("a waiting message of mode 2 is not supported")) { try WaitingEnvelope(bytes: Self.bytes(mode: 2, total: 200)) }
    }

    @Test func partsMustHaveTheirSizes() {
        #expect(throws: InvalidValue.self) { try WaitingEnvelope(ephemeralKey: [1], prekey: nil, messageID: Self.id, ciphertext: [UInt8](repeating: 0, count: 24)) }
        #expect(throws: InvalidValue.self) { try WaitingEnvelope(ephemeralKey: Self.ek, prekey: [1], messageID: Self.id, ciphertext: [UInt8](repeating: 0, count: 24)) }
        #expect(throws: InvalidValue.self) { try WaitingEnvelope(ephemeralKey: Self.ek, prekey: nil, messageID: [1], ciphertext: [UInt8](repeating: 0, count: 24)) }
        #expect(throws: InvalidValue.self) { try WaitingEnvelope(ephemeralKey: Self.ek, prekey: nil, messageID: Self.id, ciphertext: [UInt8](repeating: 0, count: 23)) }
        #expect(throws: InvalidValue.self) { try WaitingEnvelope(ephemeralKey: Self.ek, prekey: Self.opk, messageID: Self.id, ciphertext: [UInt8](repeating: 0, count: 16_409)) }
    }
}
