import Sodium
import JuiceTestSupport
import Testing

@Suite struct AeadTests {
    let key = SecretBytes([UInt8](repeating: 0x42, count: 32))
    let nonce = [UInt8](repeating: 0x07, count: 24)

    @Test func sealsAndOpensWithAdditionalData() throws {
        let sealed = try Aead.seal(Array("hello".utf8), ad: [1, 2, 3], nonce: nonce, key: key)
        #expect(sealed.count == 5 + Aead.tagLength)
        #expect(try Aead.open(sealed, ad: [1, 2, 3], nonce: nonce, key: key).copiedBytes == Array("hello".utf8))
        #expect(try Aead.seal(SecretBytes(Array("hello".utf8)), ad: [1, 2, 3], nonce: nonce, key: key) == sealed)
        #expect(try Aead.open(try Aead.seal([], ad: [], nonce: nonce, key: key), ad: [], nonce: nonce, key: key).count == 0)
    }

    @Test func matchesTheDraftVector() throws {
        // draft-irtf-cfrg-xchacha-03, appendix A.3.1 (AEAD_XChaCha20_Poly1305).
        let plaintext = Array("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.".utf8)
        let sealed = try Aead.seal(
            plaintext, ad: unhex("50515253c0c1c2c3c4c5c6c7"), nonce: unhex("404142434445464748494a4b4c4d4e4f5051525354555657"),
            key: SecretBytes(unhex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"))
        )
        #expect(hex(sealed.prefix(plaintext.count)) == "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52e")
        #expect(hex(sealed.suffix(Aead.tagLength)) == "c0875924c1c7987947deafd8780acf49")
    }

    @Test func rejectsEveryFlippedBitAndOtherAdNonceOrKey() throws {
        let sealed = try Aead.seal([1, 2, 3], ad: [9], nonce: nonce, key: key)
        for index in sealed.indices {
            var tampered = sealed
            tampered[index] ^= 0x01
            #expect(throws: SodiumError.authenticationFailed) { try Aead.open(tampered, ad: [9], nonce: nonce, key: key) }
        }
        #expect(throws: SodiumError.authenticationFailed) { try Aead.open(sealed, ad: [8], nonce: nonce, key: key) }
        #expect(throws: SodiumError.authenticationFailed) { try Aead.open(sealed, ad: [], nonce: nonce, key: key) }
        #expect(throws: SodiumError.authenticationFailed) { try Aead.open(sealed, ad: [9], nonce: [UInt8](repeating: 0, count: 24), key: key) }
        #expect(throws: SodiumError.authenticationFailed) { try Aead.open(sealed, ad: [9], nonce: nonce, key: RandomBytes.secret(32)) }
        #expect(throws: SodiumError.authenticationFailed) { try Aead.open(Array(sealed.prefix(15)), ad: [9], nonce: nonce, key: key) }
    }

    @Test func rejectsWrongSizes() {
        #expect(throws: SodiumError.invalidLength(what: "aead key", expected: 32, actual: 16)) { try Aead.seal([1], ad: [], nonce: nonce, key: SecretBytes([UInt8](repeating: 1, count: 16))) }
        #expect(throws: SodiumError.invalidLength(what: "aead nonce", expected: 24, actual: 12)) { try Aead.seal([1], ad: [], nonce: [UInt8](repeating: 0, count: 12), key: key) }
        #expect(throws: SodiumError.invalidLength(what: "aead nonce", expected: 24, actual: 12)) { try Aead.open([UInt8](repeating: 0, count: 20), ad: [], nonce: [UInt8](repeating: 0, count: 12), key: key) }
    }
}

@Suite struct BoxSeedTests {
    @Test func seedKeyPairIsSHA512OfTheSeedAndDeterministic() throws {
        let seed = SecretBytes([UInt8](repeating: 0x01, count: BoxKeyPair.seedLength))
        let pair = try BoxKeyPair(seed: seed)
        #expect(try BoxKeyPair(seed: seed).publicKey == pair.publicKey)
        #expect(try BoxKeyPair(secretKey: pair.secretKey).publicKey == pair.publicKey)
        // crypto_box_seed_keypair: the secret key is the first 32 bytes of SHA-512(seed).
        #expect(hex(pair.secretKey.copiedBytes) == "5ce86efb75fa4e2c410f46e16de9f6acae1a1703528651b69bc176c088bef3ee")
        #expect(try BoxKeyPair(seed: SecretBytes([UInt8](repeating: 0x02, count: 32))).publicKey != pair.publicKey)
        #expect(throws: SodiumError.self) { try BoxKeyPair(seed: SecretBytes([1, 2, 3])) }
    }
}
