import Foundation
import JuiceCore
import JuicePeer
import Sodium

extension JuiceService {
    /// `username`'s state directory (pins, replay state) for this service.
    public func stateDirectory(for username: Username) -> URL {
        ClientState.directory(for: username, scope: scope)
    }

    /// `juice verify`: the safety number with `buddy`, through the same ``BuddyTrust`` over the
    /// same pin file that `/verify` uses inside a session, from the identity opened with `keys`
    /// (never the key the server states for us), and for the same buddies the peer network
    /// trusts: accepted, with a well-formed key (``PeerNetwork/Buddy/init(_:allowLoopback:)``) that the server
    /// states for no one else. With `accept`, pins `buddy`'s changed key if it gives that number.
    /// An unreadable or corrupt pin file is an error, never an empty one, and so is a pin that
    /// cannot be written: it returns once the pins are on disk.
    public func verify(_ buddy: Username, as username: Username, login: LoginGrant, keys: AccountKeys, accept: String?) async throws -> BuddyTrust.Report {
        let identity = try login.openIdentity(with: keys)
        let buddies = login.buddies.compactMap { PeerNetwork.Buddy($0, allowLoopback: isLoopback) }
        guard let entry = buddies.first(where: { $0.username == buddy }) else {
            throw InvalidValue("\(buddy) is not an accepted buddy of \(username)")
        }
        guard !SharedKeys.find(in: buddies.map { ($0.username, $0.publicKey) }, own: identity.publicKey).contains(buddy) else {
            throw InvalidValue(SharedKeys.warning([buddy.value]))
        }
        let trust = BuddyTrust(username: username, identity: identity, pins: try KnownKeys(directory: stateDirectory(for: username)))
        let report = try trust.verify(buddy, serverKey: entry.publicKey, accept: accept)
        try await trust.flush()
        return report
    }
}
