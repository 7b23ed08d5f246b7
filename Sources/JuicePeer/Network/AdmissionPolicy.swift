import Foundation
import Sodium
import JuiceCore
import Synchronization

/// Who may open a session with us, checked synchronously on the event loop for every M1: a
/// rate limit before any public-key work, then the pinned key of an accepted buddy, our current
/// peer ID, and a fresh timestamp.
final class AdmissionPolicy: Sendable {
    private struct Snapshot {
        var peerID: PeerID = .offline
        var buddies: [[UInt8]: Username] = [:]
        var presence = PeerPresence(capabilities: .none)
        var identity: BoxKeyPair?
    }

    private let snapshot = Mutex(Snapshot())
    private let bucket = Mutex((tokens: AdmissionPolicy.burst, refilled: ContinuousClock.now))
    let replayGuard: ReplayGuard

    /// Handshakes per second allowed, and the burst.
    static let rate = 20.0, burst = 40.0

    init(replayGuard: ReplayGuard) { self.replayGuard = replayGuard }

    func update(identity: BoxKeyPair?, peerID: PeerID, buddies: [[UInt8]: Username], presence: PeerPresence) {
        snapshot.withLock { $0 = Snapshot(peerID: peerID, buddies: buddies, presence: presence, identity: identity) }
    }

    /// Our identity key pair, once online.
    var identity: BoxKeyPair? { snapshot.withLock { $0.identity } }

    /// Our presence, as the responder states it in M2.
    var presence: PeerPresence { snapshot.withLock { $0.presence } }

    func username(for key: [UInt8]) -> Username? { snapshot.withLock { $0.buddies[key] } }

    /// A token-bucket check, before any decryption.
    func allowHandshake() -> Bool {
        bucket.withLock { bucket in
            let now = ContinuousClock.now
            let since = (now - bucket.refilled).components
            let elapsed = Double(since.attoseconds) / 1e18 + Double(since.seconds)
            bucket.tokens = min(Self.burst, bucket.tokens + elapsed * Self.rate)
            bucket.refilled = now
            guard bucket.tokens >= 1 else { return false }
            bucket.tokens -= 1
            return true
        }
    }

    /// The M1 checks after its boxes opened; nil admits.
    func check(_ hello: HandshakeResponder.Hello) -> HandshakeError? {
        let (peerID, known) = snapshot.withLock { ($0.peerID, $0.buddies[hello.remoteStatic] != nil) }
        guard known else { return .unknownPeer }
        guard peerID.isOnline, hello.responderPeerID == peerID else { return .stalePeerID }
        guard replayGuard.admits(key: hello.remoteStatic, timestamp: hello.timestamp, now: Self.nowMilliseconds()) else { return .replayed }
        return nil
    }

    static func nowMilliseconds() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }
}
