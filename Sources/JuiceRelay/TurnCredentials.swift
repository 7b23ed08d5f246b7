import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A TURN long-term credential (RFC 8489 §9.2), as coturn's `use-auth-secret` ("TURN REST API")
/// issues them.
public struct TurnCredentials: Equatable, Sendable {
    public let username: String
    public let password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// The REST credential: username = "<expiry unix seconds>:<user>", password =
    /// base64(HMAC-SHA1(key: shared secret, message: username)). coturn accepts it until the
    /// expiry passes.
    public init(sharedSecret: String, user: String, expiry: Int) {
        let username = "\(expiry):\(user)"
        let mac = HMAC<Insecure.SHA1>.authenticationCode(for: Array(username.utf8), using: SymmetricKey(data: Array(sharedSecret.utf8)))
        self.init(username: username, password: Data(mac).base64EncodedString())
    }

    /// The key of MESSAGE-INTEGRITY: MD5(username ":" realm ":" password). The strings are used
    /// as given (no SASLprep): REST credentials and realms are ASCII.
    public func key(realm: String) -> [UInt8] {
        Self.longTermKey(username: username, realm: realm, password: password)
    }

    /// MD5(username ":" realm ":" password).
    public static func longTermKey(username: String, realm: String, password: String) -> [UInt8] {
        Array(Insecure.MD5.hash(data: Array("\(username):\(realm):\(password)".utf8)))
    }
}
