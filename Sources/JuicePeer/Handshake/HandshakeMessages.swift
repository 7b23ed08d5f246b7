import JuiceCore
import Sodium

/// The version byte of the handshake messages.
let handshakeVersion: UInt8 = 1

/// Message 1 (initiator to responder):
/// `version || E_i (32) || nonce_s (24) || box_es(S_i) (48) || nonce_p (24) || box_ss(payload)`.
struct HandshakeMessage1: Equatable {
    var ephemeral: [UInt8]
    var staticNonce: [UInt8]
    var sealedStatic: [UInt8]
    var payloadNonce: [UInt8]
    var sealedPayload: [UInt8]

    var encoded: [UInt8] {
        var w = ByteWriter(capacity: 200)
        w.u8(handshakeVersion)
        w.raw(ephemeral); w.raw(staticNonce); w.raw(sealedStatic); w.raw(payloadNonce); w.raw(sealedPayload)
        return w.bytes
    }

    init(ephemeral: [UInt8], staticNonce: [UInt8], sealedStatic: [UInt8], payloadNonce: [UInt8], sealedPayload: [UInt8]) {
        self.ephemeral = ephemeral
        self.staticNonce = staticNonce
        self.sealedStatic = sealedStatic
        self.payloadNonce = payloadNonce
        self.sealedPayload = sealedPayload
    }

    init(_ bytes: [UInt8]) throws(HandshakeError) {
        var r = ByteReader(bytes)
        do {
            guard try r.u8() == handshakeVersion else { throw HandshakeError.unsupportedVersion }
            ephemeral = try r.raw(32)
            staticNonce = try r.raw(Box.nonceLength)
            sealedStatic = try r.raw(32 + Box.macLength)
            payloadNonce = try r.raw(Box.nonceLength)
            sealedPayload = r.rest()
        } catch let error as WireError {
            throw .malformed(error)
        } catch {
            throw .unsupportedVersion
        }
        // X25519 ignores the top bit; a set top bit is a second encoding of the same key, so refuse it.
        guard ephemeral[31] & 0x80 == 0 else { throw .malformed(.malformed) }
        guard sealedPayload.count >= Box.macLength + InitiatorPayload.minimumLength,
              sealedPayload.count <= Box.macLength + InitiatorPayload.maximumLength else { throw .malformed(.malformed) }
    }
}

/// The sealed payload of message 1:
/// `timestamp ms (u64) || initiator peer ID (u64) || responder peer ID (u64) || presence`.
struct InitiatorPayload: Equatable {
    var timestamp: UInt64
    var initiatorPeerID: PeerID
    var responderPeerID: PeerID
    var presence: PeerPresence

    static let minimumLength = 8 * 3 + 3
    static let maximumLength = minimumLength + 255

    var encoded: [UInt8] {
        var w = ByteWriter()
        w.u64(timestamp); w.u64(UInt64(initiatorPeerID.rawValue)); w.u64(UInt64(responderPeerID.rawValue))
        presence.write(to: &w)
        return w.bytes
    }

    init(timestamp: UInt64, initiatorPeerID: PeerID, responderPeerID: PeerID, presence: PeerPresence) {
        self.timestamp = timestamp
        self.initiatorPeerID = initiatorPeerID
        self.responderPeerID = responderPeerID
        self.presence = presence
    }

    init(_ bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes)
        timestamp = try r.u64()
        guard let initiator = PeerID(rawValue: Int64(truncatingIfNeeded: try r.u64())),
              let responder = PeerID(rawValue: Int64(truncatingIfNeeded: try r.u64())) else { throw .malformed }
        initiatorPeerID = initiator
        responderPeerID = responder
        presence = try PeerPresence.read(from: &r)
        try r.finish()
    }
}

/// Message 2 (responder to initiator):
/// `version || E_r (32) || nonce_o (24) || box_ee(nonce_i (24) || box_se(payload))`.
struct HandshakeMessage2: Equatable {
    var ephemeral: [UInt8]
    var outerNonce: [UInt8]
    var sealed: [UInt8]

    var encoded: [UInt8] {
        var w = ByteWriter(capacity: 200)
        w.u8(handshakeVersion)
        w.raw(ephemeral); w.raw(outerNonce); w.raw(sealed)
        return w.bytes
    }

    init(ephemeral: [UInt8], outerNonce: [UInt8], sealed: [UInt8]) {
        self.ephemeral = ephemeral
        self.outerNonce = outerNonce
        self.sealed = sealed
    }

    init(_ bytes: [UInt8]) throws(HandshakeError) {
        var r = ByteReader(bytes)
        do {
            guard try r.u8() == handshakeVersion else { throw HandshakeError.unsupportedVersion }
            ephemeral = try r.raw(32)
            outerNonce = try r.raw(Box.nonceLength)
            sealed = r.rest()
        } catch let error as WireError {
            throw .malformed(error)
        } catch {
            throw .unsupportedVersion
        }
        guard ephemeral[31] & 0x80 == 0 else { throw .malformed(.malformed) }
        guard sealed.count <= 2 * Box.macLength + Box.nonceLength + ResponderPayload.maximumLength else { throw .malformed(.malformed) }
    }
}

/// The doubly sealed payload of message 2: `presence || confirmation (32)`.
struct ResponderPayload: Equatable {
    var presence: PeerPresence
    var confirmation: [UInt8]

    static let maximumLength = 3 + 255 + 32

    var encoded: [UInt8] {
        var w = ByteWriter()
        presence.write(to: &w)
        w.raw(confirmation)
        return w.bytes
    }

    init(presence: PeerPresence, confirmation: [UInt8]) {
        self.presence = presence
        self.confirmation = confirmation
    }

    init(_ bytes: [UInt8]) throws(WireError) {
        var r = ByteReader(bytes)
        presence = try PeerPresence.read(from: &r)
        confirmation = try r.raw(32)
        try r.finish()
    }
}
