import Foundation
import JuiceCore
import Sodium

/// The initiator's side of the handshake, as a pure value: it makes M1 when created and
/// consumes M2. No I/O; randomness can be injected for test vectors.
public struct HandshakeInitiator: Sendable {
    /// The bytes of message 1, to send.
    public let message1: [UInt8]
    /// The timestamp M1 carries (ms since 1970).
    public let timestamp: UInt64
    private let localStatic: BoxKeyPair
    private let ephemeral: BoxKeyPair
    private let remoteStatic: [UInt8]
    private let es: SecretBytes
    private let ss: SecretBytes
    private let h1: [UInt8]

    /// What a completed handshake yields.
    public struct Result: Sendable {
        public let keys: SessionKeys
        public let remotePresence: PeerPresence
    }

    /// Prepares M1 to `remoteStatic`, announcing `payload`.
    public init(
        localStatic: BoxKeyPair, remoteStatic: [UInt8], timestamp: UInt64,
        initiatorPeerID: PeerID, responderPeerID: PeerID, presence: PeerPresence,
        ephemeral: BoxKeyPair? = nil, nonces: (static: [UInt8], payload: [UInt8])? = nil
    ) throws {
        let ephemeral = try ephemeral ?? BoxKeyPair.generate()
        let staticNonce = nonces?.static ?? RandomBytes.bytes(Box.nonceLength)
        let payloadNonce = nonces?.payload ?? RandomBytes.bytes(Box.nonceLength)
        do {
            es = try KeyAgreement.sharedSecret(ephemeral.secretKey, remoteStatic)
            ss = try KeyAgreement.sharedSecret(localStatic.secretKey, remoteStatic)
        } catch {
            throw HandshakeError.authenticationFailed
        }
        let payload = InitiatorPayload(timestamp: timestamp, initiatorPeerID: initiatorPeerID, responderPeerID: responderPeerID, presence: presence)
        let m1 = HandshakeMessage1(
            ephemeral: ephemeral.publicKey,
            staticNonce: staticNonce,
            sealedStatic: try Box.seal(localStatic.publicKey, nonce: staticNonce, to: remoteStatic, from: ephemeral.secretKey),
            payloadNonce: payloadNonce,
            sealedPayload: try Box.seal(payload.encoded, nonce: payloadNonce, to: remoteStatic, from: localStatic.secretKey)
        ).encoded
        message1 = m1
        self.timestamp = timestamp
        h1 = try KeySchedule.h1(m1: m1)
        self.localStatic = localStatic
        self.ephemeral = ephemeral
        self.remoteStatic = remoteStatic
    }

    /// Checks M2 and derives the session keys; any failure is ``HandshakeError/authenticationFailed``
    /// (or `malformed`), whichever byte was wrong.
    public func receive(message2 bytes: [UInt8]) throws(HandshakeError) -> Result {
        let m2 = try HandshakeMessage2(bytes)
        do {
            let ee = try KeyAgreement.sharedSecret(ephemeral.secretKey, m2.ephemeral)
            let se = try KeyAgreement.sharedSecret(localStatic.secretKey, m2.ephemeral)
            var inner = try Box.open(m2.sealed, nonce: m2.outerNonce, from: m2.ephemeral, to: ephemeral.secretKey)
            defer { ConstantTime.wipe(&inner) }
            guard inner.count > Box.nonceLength else { throw HandshakeError.authenticationFailed }
            let payloadBytes = try Box.open(Array(inner[Box.nonceLength...]), nonce: Array(inner[..<Box.nonceLength]), from: m2.ephemeral, to: localStatic.secretKey)
            let payload = try ResponderPayload(payloadBytes)
            let h2 = try KeySchedule.h2(h1: h1, responderEphemeral: m2.ephemeral)
            let ck = try KeySchedule.chainingKey(es: es, ss: ss, ee: ee, se: se, h2: h2)
            guard ConstantTime.equals(try KeySchedule.confirmation(chainingKey: ck), payload.confirmation) else {
                throw HandshakeError.authenticationFailed
            }
            return Result(keys: try KeySchedule.sessionKeys(chainingKey: ck, h2: h2, m2: bytes), remotePresence: payload.presence)
        } catch {
            throw .authenticationFailed
        }
    }
}
