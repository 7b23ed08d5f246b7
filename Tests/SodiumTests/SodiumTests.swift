import Foundation
import Sodium
import JuiceTestSupport
import Testing

@Suite struct SecretBoxTests {
    @Test func sealsAndOpens() throws {
        let key = RandomBytes.secret(SecretBox.keyLength)
        let sealed = try SecretBox.seal(SecretBytes(Array("hello".utf8)), key: key)
        #expect(sealed.count == SecretBox.nonceLength + SecretBox.macLength + 5)
        #expect(try SecretBox.open(sealed, key: key).copiedBytes == Array("hello".utf8))
    }

    @Test func rejectsEveryFlippedBit() throws {
        let key = RandomBytes.secret(SecretBox.keyLength)
        let sealed = try SecretBox.seal(SecretBytes([1, 2, 3]), key: key)
        for index in sealed.indices {
            var tampered = sealed
            tampered[index] ^= 0x01
            #expect(throws: SodiumError.authenticationFailed) { try SecretBox.open(tampered, key: key) }
        }
    }

    @Test func rejectsWrongKeyAndShortInput() throws {
        let sealed = try SecretBox.seal(SecretBytes([9]), key: RandomBytes.secret(SecretBox.keyLength))
        #expect(throws: SodiumError.authenticationFailed) { try SecretBox.open(sealed, key: RandomBytes.secret(SecretBox.keyLength)) }
        #expect(throws: SodiumError.authenticationFailed) { try SecretBox.open([1, 2, 3], key: RandomBytes.secret(SecretBox.keyLength)) }
        #expect(throws: SodiumError.self) { try SecretBox.seal(SecretBytes([1]), key: SecretBytes([1, 2])) }
    }
}

@Suite struct HashAndKDFTests {
    @Test func blake2bMatchesTheReferenceVector() throws {
        // BLAKE2b-256 of the empty string (RFC 7693 reference implementation).
        let digest = try GenericHash.hash([])
        #expect(hex(digest) == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8")
    }

    @Test func streamingEqualsOneShot() throws {
        var h = try GenericHash()
        h.update(Array("juice".utf8))
        h.update(Array("box".utf8))
        #expect(h.finalize() == (try GenericHash.hash(Array("juicebox".utf8))))
    }

    @Test func keyedHashDependsOnTheKey() throws {
        let a = try GenericHash.hash([1], key: SecretBytes([UInt8](repeating: 1, count: 32)))
        let b = try GenericHash.hash([1], key: SecretBytes([UInt8](repeating: 2, count: 32)))
        #expect(a != b)
    }

    @Test func kdfIsDeterministicAndSeparatesIDs() throws {
        let master = SecretBytes([UInt8](repeating: 7, count: KeyDerivation.masterKeyLength))
        let one = try KeyDerivation.derive(length: 32, id: 1, context: "juiceacc", from: master)
        let again = try KeyDerivation.derive(length: 32, id: 1, context: "juiceacc", from: master)
        let two = try KeyDerivation.derive(length: 32, id: 2, context: "juiceacc", from: master)
        #expect(one == again)
        #expect(!(one == two))
        #expect(throws: SodiumError.self) { try KeyDerivation.derive(length: 32, id: 1, context: "short", from: master) }
    }

    @Test func argon2idIsDeterministicPerSalt() throws {
        let salt = [UInt8](repeating: 3, count: PasswordHash.saltLength)
        let a = try PasswordHash.deriveKey(length: 32, password: SecretBytes(Array("pw".utf8)), salt: salt)
        let b = try PasswordHash.deriveKey(length: 32, password: SecretBytes(Array("pw".utf8)), salt: salt)
        let c = try PasswordHash.deriveKey(length: 32, password: SecretBytes(Array("pw".utf8)), salt: [UInt8](repeating: 4, count: PasswordHash.saltLength))
        #expect(a == b)
        #expect(!(a == c))
        #expect(throws: SodiumError.self) { try PasswordHash.deriveKey(length: 32, password: SecretBytes([1]), salt: [1, 2, 3]) }
    }
}

@Suite struct BoxKeyPairTests {
    @Test func recomputesThePublicKey() throws {
        let pair = try BoxKeyPair.generate()
        #expect(try BoxKeyPair(secretKey: pair.secretKey).publicKey == pair.publicKey)
        try BoxKeyPair.validate(publicKey: pair.publicKey)
    }

    @Test(arguments: [
        String(repeating: "00", count: 32),
        "01" + String(repeating: "00", count: 31),
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ])
    func rejectsZeroAndLowOrderKeys(_ key: String) {
        #expect(throws: SodiumError.weakPublicKey) { try BoxKeyPair.validate(publicKey: unhex(key)) }
    }

    @Test func rejectsWrongSizes() {
        #expect(throws: SodiumError.self) { try BoxKeyPair.validate(publicKey: [1, 2, 3]) }
    }
}

@Suite struct ConstantTimeTests {
    @Test func comparesAndWipes() {
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([1, 2], [1, 2, 3]))
        var secret: [UInt8] = [5, 6, 7]
        ConstantTime.wipe(&secret)
        #expect(secret == [0, 0, 0])
        #expect(ConstantTime.isZero(secret))
    }
}

