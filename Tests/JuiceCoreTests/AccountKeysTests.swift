import Foundation
import JuiceCore
import Sodium
import JuiceTestSupport
import Testing

@Suite struct AccountKeysTests {
    let alice = try! Username("alice")

    @Test func sameInputsGiveSameKeysAndTheTwoKeysDiffer() throws {
        let a = try AccountKeys.derive(password: SecretBytes(Array("pw".utf8)), username: alice, realm: .default)
        let b = try AccountKeys.derive(password: SecretBytes(Array("pw".utf8)), username: alice, realm: .default)
        #expect(a.authKey == b.authKey)
        #expect(a.keyEncryptionKey == b.keyEncryptionKey)
        #expect(!(a.authKey == a.keyEncryptionKey))
    }

    @Test func realmAndUsernameSaltTheHash() throws {
        let other = try Realm("elsewhere")
        #expect(try AccountKeys.salt(username: alice, realm: .default) != AccountKeys.salt(username: alice, realm: other))
        #expect(try AccountKeys.salt(username: alice, realm: .default) != AccountKeys.salt(username: Username("bob"), realm: .default))
    }

    @Test func sealedIdentityOpensOnlyWithTheRightKey() throws {
        let keys = try AccountKeys.derive(password: SecretBytes(Array("pw".utf8)), username: alice, realm: .default)
        let wrong = try AccountKeys.derive(password: SecretBytes(Array("pw2".utf8)), username: alice, realm: .default)
        let pair = try BoxKeyPair.generate()
        let sealed = try SealedIdentity.seal(pair, keyEncryptionKey: keys.keyEncryptionKey)
        #expect(sealed.sealedSecret.count == SealedIdentity.sealedLength)
        #expect(try sealed.open(keyEncryptionKey: keys.keyEncryptionKey).publicKey == pair.publicKey)
        #expect(throws: SealedIdentity.OpenError.sealedSecretDoesNotOpen) { try sealed.open(keyEncryptionKey: wrong.keyEncryptionKey) }
    }

    @Test func aSealedIdentityUnderAnotherPublicKeyIsASubstitution() throws {
        let keys = try AccountKeys.derive(password: SecretBytes(Array("pw".utf8)), username: alice, realm: .default)
        let sealed = try SealedIdentity.seal(try BoxKeyPair.generate(), keyEncryptionKey: keys.keyEncryptionKey)
        let substituted = try SealedIdentity(publicKey: try BoxKeyPair.generate().publicKey, sealedSecret: sealed.sealedSecret)
        #expect(throws: SealedIdentity.OpenError.publicKeyMismatch) { try substituted.open(keyEncryptionKey: keys.keyEncryptionKey) }
    }
}

@Suite struct ProtocolVectorTests {
    @Test func protocolTestVector() throws {
        // docs/protocol.md, section 1.3; computed independently with libsodium from Python.
        let keys = try AccountKeys.derive(password: SecretBytes(Array("correct horse battery staple".utf8)), username: Username("alice"), realm: .default)
        #expect(hex(try AccountKeys.salt(username: Username("alice"), realm: .default)) == "981441b98c8b79c34112dacacacec4f6")
        #expect(hex(keys.authKey.copiedBytes) == "ecc5baf4f461f5ebd0ab27a6da4003fab56953c834025e7ca87265b15b41682e")
        #expect(hex(keys.keyEncryptionKey.copiedBytes) == "b0a7a00ab86cb0eb7a3bada5eaf6616e960f839c77cc47e99ad1dfd1757faa88")
    }
}

