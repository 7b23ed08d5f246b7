import JuiceCore

/// An accepted buddy as the server describes them: a name, a public key, and where they are.
public struct BuddyContact: Sendable, Equatable {
    public var username: Username
    public var publicKey: [UInt8]
    public var peerID: PeerID
    public var endpoint: Endpoint?

    public init(username: Username, publicKey: [UInt8], peerID: PeerID, endpoint: Endpoint?) {
        self.username = username
        self.publicKey = publicKey
        self.peerID = peerID
        self.endpoint = endpoint
    }
}

/// How far a buddy's key may be trusted, from the pins (``KnownKeys``) and the buddy list.
public enum KeyTrust: Sendable, Equatable {
    /// Pinned now or matching the pin.
    case trusted
    /// Differs from the pin: neither dialled, admitted nor messaged until the user accepts it;
    /// `safetyNumber` is the new key's, for the warning.
    case changed(safetyNumber: String)
    /// Stated for another buddy too, or our own: never trusted.
    case shared
}
