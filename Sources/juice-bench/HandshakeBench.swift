import Foundation
import JuiceCore
import JuicePeer
import Sodium

/// Figure 4: the whole handshake through the state machines (M1, M2, both stream starts), on one
/// core, against the same libsodium operations in a plain loop.
enum HandshakeBench {
    static func run(_ context: BenchContext, report: Report) throws {
        let count = context.quick ? 200 : 3000
        let alice = try BoxKeyPair.generate(), bob = try BoxKeyPair.generate()
        let presence = PeerPresence(capabilities: Capabilities(camera: true, mic: true))
        let bobPeer = PeerID(rawValue: 2)!, alicePeer = PeerID(rawValue: 1)!
        var latencies = Samples()
        var rates: [Double] = [], baselineRates: [Double] = []
        for _ in 0..<context.runs {
            let elapsed = try measure(count) {
                let start = ContinuousClock.now
                let initiator = try HandshakeInitiator(
                    localStatic: alice, remoteStatic: bob.publicKey, timestamp: 1, initiatorPeerID: alicePeer,
                    responderPeerID: bobPeer, presence: presence
                )
                var (i, start1) = PeerConnection.initiator(initiator, localStatic: alice, remoteStatic: bob.publicKey, presence: presence)
                var r = PeerConnection.responder(localStatic: bob, presence: presence) { _ in nil }
                let m2 = try frame(r.receive(try frame(start1)))
                let confirm = try frame(i.receive(m2))
                let answer = try frame(r.receive(confirm))
                _ = i.receive(answer)
                latencies.add(ContinuousClock.now - start)
            }
            rates.append(Double(count) / elapsed)
            baselineRates.append(Double(count) / (try measure(count) { try baseline(alice: alice, bob: bob) }))
        }
        let rate = median(rates), baselineRate = median(baselineRates)
        report.add(Section(title: "4. Handshake (one core)", figures: [
            Figure(name: "latency p50", value: latencies.p50 * 1000, unit: "ms"),
            Figure(name: "latency p99", value: latencies.p99 * 1000, unit: "ms"),
            Figure(name: "handshakes per second", value: rate, unit: "/s"),
            Figure(name: "baseline: the same libsodium operations in a plain loop", value: baselineRate, unit: "/s"),
            Figure(name: "ratio to baseline", value: rate / baselineRate * 100, unit: "%", target: "≥ 50 %", met: rate / baselineRate >= 0.5),
        ], method: """
            \(count) complete handshakes per run on one thread, through `PeerConnection` (M1, M2, and the \
            stream start in each direction, with every check), in memory with no sockets. The baseline \
            runs the same primitives directly: 2 key pairs, 8 X25519, 4 boxes sealed and 4 opened, 4 \
            secretstream inits, a record each way, 7 BLAKE2b.
            """))
    }

    private static func frame(_ actions: [PeerConnection.Action]) throws -> PeerFrame {
        for case .send(let frame) in actions { return frame }
        throw BenchError("the handshake stalled: \(actions)")
    }

    private static func measure(_ count: Int, _ body: () throws -> Void) throws -> Double {
        let start = ContinuousClock.now
        for _ in 0..<count { try body() }
        return (ContinuousClock.now - start).seconds
    }

    /// The handshake's libsodium work with no framing, parsing or state.
    private static func baseline(alice: BoxKeyPair, bob: BoxKeyPair) throws {
        let ei = try BoxKeyPair.generate(), er = try BoxKeyPair.generate()
        let nonce = RandomBytes.bytes(Box.nonceLength)
        for (secret, key) in [(ei.secretKey, bob.publicKey), (alice.secretKey, bob.publicKey), (bob.secretKey, ei.publicKey), (bob.secretKey, alice.publicKey),
                              (er.secretKey, ei.publicKey), (er.secretKey, alice.publicKey), (ei.secretKey, er.publicKey), (alice.secretKey, er.publicKey)] {
            _ = try KeyAgreement.sharedSecret(secret, key)
        }
        let s1 = try Box.seal(alice.publicKey, nonce: nonce, to: bob.publicKey, from: ei.secretKey)
        let s2 = try Box.seal([UInt8](repeating: 1, count: 30), nonce: nonce, to: bob.publicKey, from: alice.secretKey)
        _ = try Box.open(s1, nonce: nonce, from: ei.publicKey, to: bob.secretKey)
        _ = try Box.open(s2, nonce: nonce, from: alice.publicKey, to: bob.secretKey)
        let s3 = try Box.seal([UInt8](repeating: 2, count: 40), nonce: nonce, to: alice.publicKey, from: er.secretKey)
        let s4 = try Box.seal(nonce + s3, nonce: nonce, to: ei.publicKey, from: er.secretKey)
        let inner = try Box.open(s4, nonce: nonce, from: er.publicKey, to: ei.secretKey)
        _ = try Box.open(Array(inner[24...]), nonce: nonce, from: er.publicKey, to: alice.secretKey)
        for _ in 0..<7 { _ = try GenericHash.hash(s2) }
        let key = SecretBytes([UInt8](repeating: 3, count: 32))
        var a = try SecretStream.Push(key: key), b = try SecretStream.Push(key: key)
        var pa = try SecretStream.Pull(key: key, header: a.header), pb = try SecretStream.Pull(key: key, header: b.header)
        _ = try pa.pull(try a.push([1, 1, 0, 0]))
        _ = try pb.pull(try b.push([1, 1, 0, 0]))
    }
}
