import JuiceCore
import Sodium
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
        #expect(throws: SodiumError.authenticationFailed) { try sealed.open(keyEncryptionKey: wrong.keyEncryptionKey) }
    }
}
