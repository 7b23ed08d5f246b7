import Foundation
import JuiceCore
@testable import JuicePeer
import JuiceTestSupport
import Sodium
import Testing

/// The waiting-message test vectors printed in docs/protocol.md 5.7 (and reproduced by
/// docs/reference_waiting.py).
@Suite struct WaitingVectorTests {
    static func pair(seed byte: UInt8) throws -> BoxKeyPair { try BoxKeyPair(seed: SecretBytes([UInt8](repeating: byte, count: 32))) }
    static let sentAt = Date(timeIntervalSince1970: 1_795_000_000)
    static let text = "lunch at 1? ☕"

    static let expected: [WaitingEnvelope.Mode: (ek: String, key: String, envelope: String)] = [
        .noPrekey: (
            "199bea70e109c6967244583589615474eb7042a0e8d2ca6ccd8f56c086621f06",
            "0b5cff6be50454a0c2c1d23f274dbd770f00c7c7bdc2038b080c73307ebf5245",
            "0100199bea70e109c6967244583589615474eb7042a0e8d2ca6ccd8f56c086621f0670707070707070707070707070707070"
                + "7b6ab2ebb7753dfd5284c27cfade81a27f3d4dd929d9404c558c4dfdf2160d52f66072f5a95d72"
        ),
        .oneTimePrekey: (
            "4049502db92ca2342c3f92dac5d6de7c85db5df5407a5b4996ce39f2efb7e827",
            "ca60b84bbca4625cbc02b0da83083b1bfbca5acbbe023a02ab35c733b98a6126",
            "01014049502db92ca2342c3f92dac5d6de7c85db5df5407a5b4996ce39f2efb7e827fb5dd9398662bbf316a5d50e0ad5f3be"
                + "ab310b438273c5c02422529993b6a36771717171717171717171717171717171"
                + "cc5365329121ef83dddf5f70721c4ef73801adc286c9c38ddaa62407e32970b685867a3624bacb"
        ),
    ]

    @Test func keysFromSeedsMatchTheDocument() throws {
        let alice = try Self.pair(seed: 0x51), bob = try Self.pair(seed: 0x52), prekey = try Self.pair(seed: 0x53)
        #expect(hex(alice.secretKey.copiedBytes) == "e31307cc6ef451125d04803268525ce085ed67b1d7c7886e9bdcbfbfa505020a")
        #expect(hex(alice.publicKey) == "f03e928f87e9a0773cea5b00b22d23e0566296a00e05e68598b9e1b4f4025a45")
        #expect(hex(bob.secretKey.copiedBytes) == "9ed22c3a7fa1796e9e6e502da334ee720518186dd57f7a33316043c138b6c817")
        #expect(hex(bob.publicKey) == "f4cb0d97f658bc7a90b6fda5960465f16eb26046a28852c52f260d59ed89d612")
        #expect(hex(prekey.secretKey.copiedBytes) == "1e9b87637c8ea03a33f51f13c857a0814a9f0777a53f63fe0d22f7bf63ef1814")
        #expect(hex(prekey.publicKey) == "fb5dd9398662bbf316a5d50e0ad5f3beab310b438273c5c02422529993b6a367")
    }

    @Test(arguments: [WaitingEnvelope.Mode.noPrekey, .oneTimePrekey])
    func envelopeMatchesTheDocument(mode: WaitingEnvelope.Mode) throws {
        let alice = try Self.pair(seed: 0x51), bob = try Self.pair(seed: 0x52), prekey = try Self.pair(seed: 0x53)
        let expected = try #require(Self.expected[mode])
        let ephemeralSecret = SecretBytes([UInt8](repeating: 0x60 + mode.rawValue, count: 32))
        let messageID = [UInt8](repeating: 0x70 + mode.rawValue, count: 16)
        let opk = mode == .oneTimePrekey ? prekey.publicKey : nil
        let envelope = try WaitingMessageSeal.seal(
            text: Self.text, sentAt: Self.sentAt, messageID: messageID, sender: alice, recipient: bob.publicKey, prekey: opk, ephemeralSecret: ephemeralSecret
        )
        #expect(hex(envelope.ephemeralKey) == expected.ek)
        #expect(hex(envelope.bytes) == expected.envelope)

        // The key by hand from 5.3's formulas.
        let e = try BoxKeyPair(secretKey: ephemeralSecret)
        let dh = mode == .oneTimePrekey
            ? [try KeyAgreement.sharedSecret(alice.secretKey, prekey.publicKey), try KeyAgreement.sharedSecret(e.secretKey, bob.publicKey), try KeyAgreement.sharedSecret(e.secretKey, prekey.publicKey)]
            : [try KeyAgreement.sharedSecret(alice.secretKey, bob.publicKey), try KeyAgreement.sharedSecret(e.secretKey, bob.publicKey)]
        let ad = Array("juice/v1/waiting".utf8) + [1, mode.rawValue] + alice.publicKey + bob.publicKey + e.publicKey + (opk ?? []) + messageID
        var hash = try GenericHash()
        hash.update(Array("juice/v1/waiting-key".utf8))
        for value in dh { hash.update(value) }
        hash.update(ad)
        #expect(hex(hash.finalize()) == expected.key)
        #expect(hex(try WaitingKeySchedule.key(dh: dh, ad: ad).copiedBytes) == expected.key)

        // And bob opens the printed bytes.
        let message = try WaitingMessageSeal.open(
            WaitingEnvelope(bytes: unhex(expected.envelope)), sender: alice.publicKey, recipient: bob, prekeySecret: mode == .oneTimePrekey ? prekey.secretKey : nil
        )
        #expect(message == WaitingMessage(messageID: messageID, sentAt: Self.sentAt, text: Self.text, forwardSecret: mode == .oneTimePrekey))
    }
}
