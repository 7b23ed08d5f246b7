import Foundation
import JuiceCore
@testable import JuicePeer
import Sodium
import Testing

/// Sealing and opening waiting messages with real keys (docs/protocol.md 5.3, 5.5).
@Suite struct WaitingMessageSealTests {
    let alice = try! BoxKeyPair.generate(), bob = try! BoxKeyPair.generate(), prekey = try! BoxKeyPair.generate()
    let sentAt = Date(timeIntervalSince1970: 1_795_000_000.123)

    func seal(_ text: String = "are you there? ☕", prekey: [UInt8]?) throws -> WaitingEnvelope {
        try WaitingMessageSeal.seal(text: text, sentAt: sentAt, sender: alice, recipient: bob.publicKey, prekey: prekey)
    }

    @Test func mode1OpensWithThePrekeySecretAndIsForwardSecret() throws {
        let envelope = try seal(prekey: prekey.publicKey)
        #expect(envelope.mode == .oneTimePrekey && envelope.prekey == prekey.publicKey)
        let message = try WaitingMessageSeal.open(WaitingEnvelope(bytes: envelope.bytes), sender: alice.publicKey, recipient: bob, prekeySecret: prekey.secretKey)
        #expect(message.text == "are you there? ☕")
        #expect(message.sentAt == Date(timeIntervalSince1970: 1_795_000_000.123))
        #expect(Int((message.sentAt.timeIntervalSince1970 * 1000).rounded()) == 1_795_000_000_123)
        #expect(message.messageID == envelope.messageID && message.messageID.count == 16)
        #expect(message.forwardSecret)
    }

    @Test func mode0OpensWithoutAPrekeyAndIsNotForwardSecret() throws {
        let envelope = try seal(prekey: nil)
        #expect(envelope.mode == .noPrekey && envelope.prekey == nil)
        let message = try WaitingMessageSeal.open(envelope, sender: alice.publicKey, recipient: bob, prekeySecret: nil)
        #expect(message.text == "are you there? ☕")
        #expect(!message.forwardSecret)
        // A prekey secret handed to a mode-0 envelope is ignored.
        #expect(try WaitingMessageSeal.open(envelope, sender: alice.publicKey, recipient: bob, prekeySecret: prekey.secretKey) == message)
    }

    @Test func eachMessageHasItsOwnEphemeralKeyAndID() throws {
        let one = try seal(prekey: nil), two = try seal(prekey: nil)
        #expect(one.ephemeralKey != two.ephemeralKey && one.messageID != two.messageID && one.ciphertext != two.ciphertext)
        let chosen = [UInt8](repeating: 0x5A, count: 16)
        #expect(try WaitingMessageSeal.seal(text: "x", sentAt: sentAt, messageID: chosen, sender: alice, recipient: bob.publicKey, prekey: nil).messageID == chosen)
    }

    @Test func mode1WithoutTheSecretIsKeptNotOpened() throws {
        let envelope = try seal(prekey: prekey.publicKey)
        #expect(throws: WaitingMessageError.noPrekeySecret) { try WaitingMessageSeal.open(envelope, sender: alice.publicKey, recipient: bob, prekeySecret: nil) }
        // Another prekey's secret (the store's lookup is by public key, but a caller's mistake must not open it either).
        #expect(throws: WaitingMessageError.doesNotOpen) { try WaitingMessageSeal.open(envelope, sender: alice.publicKey, recipient: bob, prekeySecret: try BoxKeyPair.generate().secretKey) }
    }

    @Test(arguments: [false, true])
    func wrongSenderOrRecipientDoesNotOpen(withPrekey: Bool) throws {
        let envelope = try seal(prekey: withPrekey ? prekey.publicKey : nil)
        let mallory = try BoxKeyPair.generate()
        #expect(throws: WaitingMessageError.doesNotOpen) { try WaitingMessageSeal.open(envelope, sender: mallory.publicKey, recipient: bob, prekeySecret: prekey.secretKey) }
        #expect(throws: WaitingMessageError.doesNotOpen) { try WaitingMessageSeal.open(envelope, sender: alice.publicKey, recipient: mallory, prekeySecret: prekey.secretKey) }
        #expect(throws: WaitingMessageError.doesNotOpen) { try WaitingMessageSeal.open(envelope, sender: bob.publicKey, recipient: alice, prekeySecret: prekey.secretKey) }
        #expect(throws: WaitingMessageError.doesNotOpen) { try WaitingMessageSeal.open(envelope, sender: [UInt8](repeating: 0, count: 32), recipient: bob, prekeySecret: prekey.secretKey) }
        #expect(throws: WaitingMessageError.doesNotOpen) { try WaitingMessageSeal.open(envelope, sender: [1, 2, 3], recipient: bob, prekeySecret: prekey.secretKey) }
        // The control: the right keys open it.
        #expect(try WaitingMessageSeal.open(envelope, sender: alice.publicKey, recipient: bob, prekeySecret: prekey.secretKey).text == "are you there? ☕")
    }

    /// Every bit flipped anywhere after the version byte (mode, EK and its top bit, OPK, id,
    /// ciphertext, tag) stops it opening; a flipped version byte does not even parse.
    @Test(arguments: [false, true])
    func everyFlippedBitDoesNotOpen(withPrekey: Bool) throws {
        let bytes = try seal("hi", prekey: withPrekey ? prekey.publicKey : nil).bytes
        #expect(throws: InvalidValue.self) { try WaitingEnvelope(bytes: [bytes[0] ^ 0x01] + bytes.dropFirst()) }
        for index in 1..<bytes.count {
            for bit: UInt8 in [0x01, 0x80] {
                var tampered = bytes
                tampered[index] ^= bit
                guard let envelope = try? WaitingEnvelope(bytes: tampered) else {
                    // Only the mode byte can make it unparseable (mode 0 -> 1 is then too short, 0x80 unknown).
                    #expect(index == 1)
                    continue
                }
                do throws(WaitingMessageError) {
                    _ = try WaitingMessageSeal.open(envelope, sender: alice.publicKey, recipient: bob, prekeySecret: prekey.secretKey)
                    Issue.record("byte \(index), bit \(bit) flipped still opens")
                } catch {
                    #expect(error == .doesNotOpen, "byte \(index) bit \(bit)")
                }
            }
        }
    }

    @Test func refusesBadInputToSeal() throws {
        let longest = String(repeating: "é", count: WaitingEnvelope.maxTextBytes / 2) // 16,384 UTF-8 bytes
        let full = try seal(longest, prekey: prekey.publicKey)
        #expect(full.bytes.count == WaitingEnvelope.maxBytes)
        #expect(try WaitingMessageSeal.open(full, sender: alice.publicKey, recipient: bob, prekeySecret: prekey.secretKey).text == longest)
        #expect(try seal("", prekey: nil).bytes.count == WaitingEnvelope.minimumBytes(.noPrekey))
        #expect(throws: InvalidValue("a waiting message of 16385 bytes is too long (at most 16384 bytes of UTF-8)")) { try seal(longest + "a", prekey: nil) }
        #expect(throws: InvalidValue("the buddy's identity key is not a valid X25519 public key")) {
            try WaitingMessageSeal.seal(text: "x", sentAt: sentAt, sender: alice, recipient: [UInt8](repeating: 0, count: 32), prekey: nil)
        }
        // A low-order point (order 8) as the prekey.
        let lowOrder: [UInt8] = [0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00]
        #expect(throws: InvalidValue("the buddy's prekey is not a valid X25519 public key")) {
            try WaitingMessageSeal.seal(text: "x", sentAt: sentAt, sender: alice, recipient: bob.publicKey, prekey: lowOrder)
        }
        #expect(throws: InvalidValue("the buddy's prekey is not a valid X25519 public key")) {
            try WaitingMessageSeal.seal(text: "x", sentAt: sentAt, sender: alice, recipient: bob.publicKey, prekey: [1, 2])
        }
        #expect(throws: InvalidValue.self) { try WaitingMessageSeal.seal(text: "x", sentAt: sentAt, messageID: [1], sender: alice, recipient: bob.publicKey, prekey: nil) }
        #expect(throws: InvalidValue.self) { try WaitingMessageSeal.seal(text: "x", sentAt: Date(timeIntervalSince1970: -1), sender: alice, recipient: bob.publicKey, prekey: nil) }
    }

    /// A plaintext that opens but is not `sentAt || text` (only a buddy can seal one): malformed.
    @Test func authenticPlaintextThatIsNotAMessageIsMalformed() throws {
        func sealRaw(_ plaintext: [UInt8]) throws -> WaitingEnvelope {
            let ephemeral = try BoxKeyPair.generate(), id = RandomBytes.bytes(16)
            let ad = WaitingKeySchedule.ad(mode: .noPrekey, sender: alice.publicKey, recipient: bob.publicKey, ephemeralKey: ephemeral.publicKey, prekey: nil, messageID: id)
            let key = try WaitingKeySchedule.key(dh: [try KeyAgreement.sharedSecret(alice.secretKey, bob.publicKey), try KeyAgreement.sharedSecret(ephemeral.secretKey, bob.publicKey)], ad: ad)
            return try WaitingEnvelope(ephemeralKey: ephemeral.publicKey, prekey: nil, messageID: id, ciphertext: try Aead.seal(plaintext, ad: ad, nonce: WaitingKeySchedule.nonce, key: key))
        }
        let time: [UInt8] = [0, 0, 1, 0xA1, 0xEE, 0x56, 0x5E, 0]
        #expect(try WaitingMessageSeal.open(try sealRaw(time + Array("ok".utf8)), sender: alice.publicKey, recipient: bob, prekeySecret: nil).text == "ok") // the control
        #expect(throws: WaitingMessageError.malformed) { try WaitingMessageSeal.open(try sealRaw(time + [0xC3, 0x28]), sender: alice.publicKey, recipient: bob, prekeySecret: nil) }
        #expect(throws: WaitingMessageError.malformed) { try WaitingMessageSeal.open(try sealRaw(time + [0xFF]), sender: alice.publicKey, recipient: bob, prekeySecret: nil) }
        let tooLong = try sealRaw(time + [UInt8](repeating: 0x61, count: WaitingEnvelope.maxTextBytes + 1)) // fits in 16,490 in mode 0
        #expect(throws: WaitingMessageError.malformed) { try WaitingMessageSeal.open(WaitingEnvelope(bytes: tooLong.bytes), sender: alice.publicKey, recipient: bob, prekeySecret: nil) }
        // Times no clock gives: 2^64 - 1 ms (it once trapped the history's millisecond rounding), 2019, two days ahead.
        let twoDaysAhead = UInt64((Date().timeIntervalSince1970 + 2 * 86_400) * 1000)
        for milliseconds in [UInt64.max, 1_546_300_800_000, twoDaysAhead] {
            let bytes = (0..<8).reversed().map { UInt8(truncatingIfNeeded: milliseconds >> (8 * UInt64($0))) }
            #expect(throws: WaitingMessageError.malformed) { try WaitingMessageSeal.open(try sealRaw(bytes + Array("x".utf8)), sender: alice.publicKey, recipient: bob, prekeySecret: nil) }
        }
    }
}
