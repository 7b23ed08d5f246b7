import Foundation
import JuiceCore
import JuicePeer
import Sodium

extension JuiceService {
    /// `username`'s state directory (pins, replay state) for this service.
    public func stateDirectory(for username: Username) -> URL {
        ClientState.directory(for: username, scope: scope)
    }

    /// `username`'s trust in buddies' keys on this service; `identity` is the opened key pair.
    /// An unreadable or corrupt pin file is an error, never an empty one.
    public func trust(for username: Username, identity: BoxKeyPair) throws -> BuddyTrust {
        BuddyTrust(username: username, identity: identity, pins: try KnownKeys(directory: stateDirectory(for: username)))
    }
}
