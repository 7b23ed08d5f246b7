import Foundation
import JuiceCore
import Sodium

/// The responder's side of the handshake, as pure functions: open and check M1, then answer
/// with M2. Nothing in M1 is trusted yet: M1 can be replayed and, by someone holding our static
/// secret, forged. The initiator is trusted only once its first transport record opens under
/// keys that need its static secret (``PeerConnection`` enforces that).
public enum HandshakeResponder {
    /// M1 after its boxes opened: who claims to be calling, and what they claim.
    public struct Hello: Sendable {
        /// The initiator's static public key (from the `es` box).
        public let remoteStatic: [UInt8]
        /// Milliseconds since 1970, for replay protection.
        public let timestamp: UInt64
        /// The initiator's peer ID.
        public let initiatorPeerID: PeerID
        /// The peer ID the initiator thinks we have.
        public let responderPeerID: PeerID
        /// The initiator's flags and status (not to be acted on before confirmation).
        public let presence: PeerPresence
        let ephemeral: [UInt8]
        let es: SecretBytes
        let ss: SecretBytes
        let h1: [UInt8]
    }

    /// Opens M1 with our static key. Cheap checks (layout, key sizes) come first.
    public static func open(message1 bytes: [UInt8], localStatic: BoxKeyPair) throws(HandshakeError) -> Hello {
        let m1 = try HandshakeMessage1(bytes)
        do {
            let es = try KeyAgreement.sharedSecret(localStatic.secretKey, m1.ephemeral)
            let remoteStatic = try Box.open(m1.sealedStatic, nonce: m1.staticNonce, from: m1.ephemeral, to: localStatic.secretKey)
            let ss = try KeyAgreement.sharedSecret(localStatic.secretKey, remoteStatic)
            let payload = try InitiatorPayload(try Box.open(m1.sealedPayload, nonce: m1.payloadNonce, from: remoteStatic, to: localStatic.secretKey))
            return Hello(
                remoteStatic: remoteStatic, timestamp: payload.timestamp, initiatorPeerID: payload.initiatorPeerID,
                responderPeerID: payload.responderPeerID, presence: payload.presence,
                ephemeral: m1.ephemeral, es: es, ss: ss, h1: try KeySchedule.h1(m1: bytes)
            )
        } catch {
            throw .authenticationFailed
        }
    }

    /// Makes M2 for an accepted `hello` and derives the session keys.
    public static func respond(
        to hello: Hello, localStatic: BoxKeyPair, presence: PeerPresence,
        ephemeral: BoxKeyPair? = nil, nonces: (outer: [UInt8], inner: [UInt8])? = nil
    ) throws -> (message2: [UInt8], keys: SessionKeys) {
        let ephemeral = try ephemeral ?? BoxKeyPair.generate()
        let outerNonce = nonces?.outer ?? RandomBytes.bytes(Box.nonceLength)
        let innerNonce = nonces?.inner ?? RandomBytes.bytes(Box.nonceLength)
        let ee = try KeyAgreement.sharedSecret(ephemeral.secretKey, hello.ephemeral)
        let se = try KeyAgreement.sharedSecret(ephemeral.secretKey, hello.remoteStatic)
        let h2 = try KeySchedule.h2(h1: hello.h1, responderEphemeral: ephemeral.publicKey)
        let ck = try KeySchedule.chainingKey(es: hello.es, ss: hello.ss, ee: ee, se: se, h2: h2)
        let payload = ResponderPayload(presence: presence, confirmation: try KeySchedule.confirmation(chainingKey: ck))
        var inner = innerNonce + (try Box.seal(payload.encoded, nonce: innerNonce, to: hello.remoteStatic, from: ephemeral.secretKey))
        defer { ConstantTime.wipe(&inner) }
        let m2 = HandshakeMessage2(
            ephemeral: ephemeral.publicKey, outerNonce: outerNonce,
            sealed: try Box.seal(inner, nonce: outerNonce, to: hello.ephemeral, from: ephemeral.secretKey)
        ).encoded
        return (m2, try KeySchedule.sessionKeys(chainingKey: ck, h2: h2, m2: m2))
    }
}
