import Foundation
import JuiceCore
@testable import JuicePeer
import Sodium
import JuiceTestSupport
import Testing

/// The test vectors printed in docs/protocol.md, section 4.
enum Vector {
    static let aliceSecret = SecretBytes([UInt8](repeating: 0x11, count: 32))
    static let bobSecret = SecretBytes([UInt8](repeating: 0x22, count: 32))
    static let aliceEphemeralSecret = SecretBytes([UInt8](repeating: 0x33, count: 32))
    static let bobEphemeralSecret = SecretBytes([UInt8](repeating: 0x44, count: 32))
    static let timestamp: UInt64 = 1_795_000_000_000
    static let alicePeer = PeerID(rawValue: 1234)!, bobPeer = PeerID(rawValue: 5678)!
    static let alicePresence = PeerPresence(capabilities: Capabilities(camera: true, mic: false), status: .online, statusText: "")
    static let bobPresence = PeerPresence(capabilities: Capabilities(camera: false, mic: true), status: .away, statusText: "lunch")
    static let nonces = (0..<4).map { [UInt8](repeating: UInt8(0xA0 + $0), count: 24) }

    static func run() throws -> (m1: [UInt8], m2: [UInt8], initiatorKeys: SessionKeys, responderKeys: SessionKeys) {
        let alice = try BoxKeyPair(secretKey: aliceSecret), bob = try BoxKeyPair(secretKey: bobSecret)
        let initiator = try HandshakeInitiator(
            localStatic: alice, remoteStatic: bob.publicKey, timestamp: timestamp, initiatorPeerID: alicePeer, responderPeerID: bobPeer,
            presence: alicePresence, ephemeral: try BoxKeyPair(secretKey: aliceEphemeralSecret), nonces: (nonces[0], nonces[1])
        )
        let hello = try HandshakeResponder.open(message1: initiator.message1, localStatic: bob)
        let (m2, keys) = try HandshakeResponder.respond(to: hello, localStatic: bob, presence: bobPresence, ephemeral: try BoxKeyPair(secretKey: bobEphemeralSecret), nonces: (nonces[2], nonces[3]))
        return (initiator.message1, m2, try initiator.receive(message2: m2).keys, keys)
    }
}

@Suite struct ProtocolVectorTests {
    @Test func handshakeMatchesTheDocument() throws {
        let v = try Vector.run()
        #expect(hex(try BoxKeyPair(secretKey: Vector.aliceSecret).publicKey) == "7b4e909bbe7ffe44c465a220037d608ee35897d31ef972f07f74892cb0f73f13")
        #expect(hex(try BoxKeyPair(secretKey: Vector.bobSecret).publicKey) == "0faa684ed28867b97f4a6a2dee5df8ce974e76b7018e3f22a1c4cf2678570f20")
        #expect(hex(v.m1) == "017b0d47d93427f8311160781c7c733fd89f88970aef490d8aa0ee19a4cb8a1b14a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0679a630439262b34f9c07cf1cd8c1ea5fd5f0a49640050a60bf3f12562f0a53da592077da02760db7b0fd2f613031e04a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1220039bd73ed32d00a108b7ff1b61dd443465302d602e1bd68ffc211ece57deccf8c8fcff077befdcfee87")
        #expect(hex(v.m2) == "01ff2ee45601ec1b67310c7790404585ae697331eee1c1f8cf2419731c1fff3e6ba2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a28bafdfa52ca8de6224efd27502aac61e86aaa9e849673ebc3a015cb0ce881213ab94b42c1f966cce106e7eb10f68d3044515aca999401d1a995d1d664932a1b96db8a225a178c0bf3e307e6ffe839b468ad451972fdff029ed55b20f66e49e9d")
        #expect(hex(v.initiatorKeys.initiatorToResponder.copiedBytes) == "cd809e3b5d3d77f4766f0074d35b8a0b667157ea797ae976763d429397003d7a")
        #expect(hex(v.initiatorKeys.responderToInitiator.copiedBytes) == "015919ddd2a727383041655c7ced2107f10b7af099edcf7cb37692ea5efbd45e")
        #expect(v.responderKeys.initiatorToResponder == v.initiatorKeys.initiatorToResponder)
        #expect(v.responderKeys.responderToInitiator == v.initiatorKeys.responderToInitiator)
    }

    @Test func transportRecordMatchesTheDocument() throws {
        let v = try Vector.run()
        var pull = try SecretStream.Pull(key: v.initiatorKeys.initiatorToResponder, header: unhex("1e5752c3c7e921f40b6714947d361a820eda94fa2cd72ca1"))
        let (plain, tag) = try pull.pull(unhex("f19f38a53a61836daff9141cf9e9cdcf2abffb553f"))
        #expect(tag == .message)
        #expect(hex(plain) == "01010000")
        #expect(try TransportMessage(plain) == .hello(Vector.alicePresence))
    }

    @Test func safetyNumberMatchesTheDocument() throws {
        let alice = try BoxKeyPair(secretKey: Vector.aliceSecret).publicKey, bob = try BoxKeyPair(secretKey: Vector.bobSecret).publicKey
        let expected = "23851 33748 49536 09608 65692 09973"
        #expect(try SafetyNumber.compute((Username("alice"), alice), (Username("bob"), bob)) == expected)
        #expect(try SafetyNumber.compute((Username("bob"), bob), (Username("alice"), alice)) == expected)
        // The same by hand: BLAKE2b-30, each 5-byte group a big-endian 40-bit integer modulo 100,000.
        let digest = try GenericHash.hash(Array("juice/v1/safety".utf8) + Array("alice".utf8) + [0] + alice + Array("bob".utf8) + [0] + bob, outputLength: 30)
        #expect(hex(digest) == "ea35c7a5eb336f1bef143bb9123880053c222ea85a53fed2dcca7a988635")
        #expect(digest[0..<5].reduce(UInt64(0)) { $0 * 256 + UInt64($1) } % 100_000 == 23851)
    }
}
