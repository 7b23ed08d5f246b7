import Foundation
import JuiceCore
@testable import JuicePeer
import Sodium
import Testing

/// What a thief of both identity secrets, and a dishonest server, can and cannot read
/// (docs/protocol.md 5.6), with real keys and a real ``PrekeyStore`` on disk.
@Suite struct WaitingSecrecyTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("waiting-\(UInt32.random(in: 0...UInt32.max))")
    var file: URL { directory.appendingPathComponent("prekeys") }
    let storeKey = RandomBytes.secret(32)
    let alice = try! BoxKeyPair.generate(), bob = try! BoxKeyPair.generate()

    /// True when someone who holds `secrets` (and every public key in play) opens `envelope` with
    /// any choice of the Diffie-Hellman values they can compute, in 5.3's key schedule: every
    /// ordered pair (mode 0) or triple (mode 1) of X25519(secret, public) over the sender's,
    /// recipient's, ephemeral and prekey public keys.
    static func attackerOpens(_ envelope: WaitingEnvelope, sender: [UInt8], recipient: [UInt8], secrets: [SecretBytes]) throws -> Bool {
        let publics = [sender, recipient, envelope.ephemeralKey] + (envelope.prekey.map { [$0] } ?? [])
        let values = secrets.flatMap { secret in publics.compactMap { try? KeyAgreement.sharedSecret(secret, $0) } }
        let ad = WaitingKeySchedule.ad(
            mode: envelope.mode, sender: sender, recipient: recipient, ephemeralKey: envelope.ephemeralKey, prekey: envelope.prekey, messageID: envelope.messageID
        )
        var choices: [[SecretBytes]] = [[]]
        for _ in 0..<(envelope.mode == .oneTimePrekey ? 3 : 2) { choices = choices.flatMap { chosen in values.map { chosen + [$0] } } }
        for dh in choices {
            let key = try WaitingKeySchedule.key(dh: dh, ad: ad)
            if (try? Aead.open(envelope.ciphertext, ad: ad, nonce: WaitingKeySchedule.nonce, key: key)) != nil { return true }
        }
        return false
    }

    @Test func erasedPrekeyMakesARecordedMessageUnreadableEvenWithBothIdentitySecrets() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try PrekeyStore.open(file: file, key: storeKey)
        let uploaded = try store.prepareUpload(serverLeft: nil)
        let claimed = uploaded[17] // the server hands one to alice
        let recorded = try WaitingMessageSeal.seal(text: "the secret plan", sentAt: .now, sender: alice, recipient: bob.publicKey, prekey: claimed).bytes

        // Bob opens it with the store's secret, stores it, then erases the secret.
        let envelope = try WaitingEnvelope(bytes: recorded)
        let prekey = try #require(envelope.prekey)
        let secret = try #require(store.secret(for: prekey))
        #expect(try WaitingMessageSeal.open(envelope, sender: alice.publicKey, recipient: bob, prekeySecret: secret).text == "the secret plan")
        // The control: with the prekey secret too, the attacker's search finds the key.
        #expect(try Self.attackerOpens(envelope, sender: alice.publicKey, recipient: bob.publicKey, secrets: [alice.secretKey, bob.secretKey, secret]))
        try store.erase(claimed)

        // The secret is gone from the file, not just from memory.
        let reopened = try PrekeyStore.open(file: file, key: storeKey)
        #expect(reopened.secret(for: claimed) == nil)
        #expect(reopened.count == 99)
        #expect(reopened.secret(for: uploaded[18]) != nil)

        // A thief with both identity secrets and the recorded envelope.
        #expect(throws: WaitingMessageError.noPrekeySecret) { try WaitingMessageSeal.open(envelope, sender: alice.publicKey, recipient: bob, prekeySecret: nil) }
        #expect(throws: WaitingMessageError.noPrekeySecret) {
            try WaitingMessageSeal.open(envelope, sender: alice.publicKey, recipient: bob, prekeySecret: reopened.secret(for: claimed))
        }
        for guess in [bob.secretKey, alice.secretKey] {
            #expect(throws: WaitingMessageError.doesNotOpen) { try WaitingMessageSeal.open(envelope, sender: alice.publicKey, recipient: bob, prekeySecret: guess) }
            #expect(throws: WaitingMessageError.doesNotOpen) { try WaitingMessageSeal.open(envelope, sender: bob.publicKey, recipient: alice, prekeySecret: guess) }
        }
        // Read as a mode-0 message (the same EK, id and ciphertext).
        let asMode0 = try WaitingEnvelope(ephemeralKey: envelope.ephemeralKey, prekey: nil, messageID: envelope.messageID, ciphertext: envelope.ciphertext)
        #expect(throws: WaitingMessageError.doesNotOpen) { try WaitingMessageSeal.open(asMode0, sender: alice.publicKey, recipient: bob, prekeySecret: nil) }
        #expect(throws: WaitingMessageError.doesNotOpen) { try WaitingMessageSeal.open(asMode0, sender: bob.publicKey, recipient: alice, prekeySecret: nil) }
        // Every key the thief can compute.
        #expect(try !Self.attackerOpens(envelope, sender: alice.publicKey, recipient: bob.publicKey, secrets: [alice.secretKey, bob.secretKey]))
    }

    @Test func aWithheldPrekeyFallsBackToMode0WhichAnIdentityThiefReads() throws {
        let envelope = try WaitingMessageSeal.seal(text: "no prekey left", sentAt: .now, sender: alice, recipient: bob.publicKey, prekey: nil)
        let message = try WaitingMessageSeal.open(envelope, sender: alice.publicKey, recipient: bob, prekeySecret: nil)
        #expect(message.text == "no prekey left")
        #expect(!message.forwardSecret)
        // The exposure 5.6 states: bob's identity secret alone opens a recorded mode-0 message...
        #expect(try Self.attackerOpens(envelope, sender: alice.publicKey, recipient: bob.publicKey, secrets: [bob.secretKey]))
        // ...and nothing short of an identity secret does.
        #expect(try !Self.attackerOpens(envelope, sender: alice.publicKey, recipient: bob.publicKey, secrets: [try BoxKeyPair.generate().secretKey]))
    }

    @Test func aSubstitutedPrekeyIsReadByNeitherTheServerNorTheRecipient() throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try PrekeyStore.open(file: file, key: storeKey)
        let bobsPrekeys = try store.prepareUpload(serverLeft: nil)
        // The server makes its own prekey and hands it to alice as bob's.
        let substitute = try BoxKeyPair.generate()
        let envelope = try WaitingMessageSeal.seal(text: "for bob only", sentAt: .now, sender: alice, recipient: bob.publicKey, prekey: substitute.publicKey)
        #expect(envelope.prekey == substitute.publicKey)

        // The server holds the prekey secret but not bob's identity secret (a random pair in its place).
        let notBob = try BoxKeyPair.generate()
        #expect(throws: WaitingMessageError.doesNotOpen) { try WaitingMessageSeal.open(envelope, sender: alice.publicKey, recipient: notBob, prekeySecret: substitute.secretKey) }
        #expect(try !Self.attackerOpens(envelope, sender: alice.publicKey, recipient: bob.publicKey, secrets: [substitute.secretKey, notBob.secretKey]))

        // Bob has no secret for it: kept, not acknowledged (5.5); none of his real secrets opens it.
        #expect(store.secret(for: substitute.publicKey) == nil)
        #expect(throws: WaitingMessageError.noPrekeySecret) {
            try WaitingMessageSeal.open(envelope, sender: alice.publicKey, recipient: bob, prekeySecret: store.secret(for: substitute.publicKey))
        }
        for prekey in bobsPrekeys.prefix(5) {
            #expect(throws: WaitingMessageError.doesNotOpen) { try WaitingMessageSeal.open(envelope, sender: alice.publicKey, recipient: bob, prekeySecret: store.secret(for: prekey)) }
        }
        // The control (5.6): only the server's prekey secret together with bob's identity secret reads it.
        #expect(try WaitingMessageSeal.open(envelope, sender: alice.publicKey, recipient: bob, prekeySecret: substitute.secretKey).text == "for bob only")
    }
}
