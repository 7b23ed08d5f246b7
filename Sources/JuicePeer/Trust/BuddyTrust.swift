import JuiceCore
import Sodium

/// What the user trusts about buddies' keys: the one component behind `juice verify` and
/// `/verify`. Safety numbers always come from the user's own *opened* identity key and the
/// *pinned* buddy key, never from keys the server states, so a server that substitutes keys
/// from first contact still gives the two buddies different numbers.
public struct BuddyTrust: Sendable {
    /// A safety-number check of one buddy.
    public struct Report: Sendable, Equatable {
        /// The buddy.
        public let buddy: Username
        /// From the opened identity key and the pinned key of `buddy`.
        public let safetyNumber: String
        /// When the server now states another key than the pin: the number that key would give.
        /// Compare it out of band before accepting the key; it is not trusted until then.
        public let candidateSafetyNumber: String?

        /// True when the server's key differs from the pin.
        public var changed: Bool { candidateSafetyNumber != nil }
    }

    /// Whose trust this is.
    public let username: Username
    private let ownKey: [UInt8]
    private let pins: KnownKeys

    /// `identity` must be the key pair opened with the password (``SealedIdentity/open(keyEncryptionKey:)``).
    public init(username: Username, identity: BoxKeyPair, pins: KnownKeys) {
        self.username = username
        self.ownKey = identity.publicKey
        self.pins = pins
    }

    /// Checks `serverKey` for `buddy` against the pin (pinning it on first sight) and reports the
    /// safety number of the pinned key. With `accept`, the safety number the user compared out of
    /// band, a changed key is pinned first, but only if it still gives that number: a server
    /// cannot show one key while the numbers are compared and slip in another on acceptance.
    public func verify(_ buddy: Username, serverKey: [UInt8], accept compared: String? = nil) throws -> Report {
        if let compared {
            guard Self.digits(compared) == Self.digits(try safetyNumber(buddy, serverKey)) else {
                throw InvalidValue("\(buddy)'s key is not the one whose safety number you gave (the server may have changed it again); verify again and compare the new number")
            }
            try pins.accept(buddy, serverKey)
        }
        switch try pins.check(buddy, serverKey) {
        case .pinnedNow, .matches:
            return Report(buddy: buddy, safetyNumber: try safetyNumber(buddy, serverKey), candidateSafetyNumber: nil)
        case .changed(let pinned):
            return Report(buddy: buddy, safetyNumber: try safetyNumber(buddy, pinned), candidateSafetyNumber: try safetyNumber(buddy, serverKey))
        case .pinnedForAnother(let other):
            throw InvalidValue(SharedKeys.warning([buddy.value, other]))
        }
    }

    private static func digits(_ number: String) -> String { number.filter(\.isASCII).filter(\.isNumber) }

    /// Waits until every pin made so far is on disk; throws when a write failed.
    public func flush() async throws {
        try await pins.flush()
    }

    /// The safety number between the user's opened identity and `key` for `buddy`.
    public func safetyNumber(_ buddy: Username, _ key: [UInt8]) throws -> String {
        try SafetyNumber.compute((username, ownKey), (buddy, key))
    }
}
