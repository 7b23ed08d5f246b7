import Foundation
import Sodium

/// A bearer token: 256 random bits, sent as unpadded base64url. Only its BLAKE2b-256 hash is
/// stored, so a dump of the session table cannot be used to log in.
struct SessionToken: Sendable {
    /// The text the client sends back in `Authorization: Bearer`.
    let text: String
    /// What the database keeps.
    let hash: [UInt8]

    /// A fresh random token.
    static func generate() throws -> SessionToken {
        var bytes = RandomBytes.bytes(32)
        defer { ConstantTime.wipe(&bytes) }
        return SessionToken(text: Base64URL.encode(bytes), hash: try GenericHash.hash(bytes))
    }

    /// The hash of a presented token, or nil if it is not 32 bytes of base64url.
    static func hash(of text: Substring) -> [UInt8]? {
        guard text.utf8.count == 43, var bytes = Base64URL.decode(text), bytes.count == 32 else { return nil }
        defer { ConstantTime.wipe(&bytes) }
        return try? GenericHash.hash(bytes)
    }
}

/// Unpadded base64url (RFC 4648 section 5).
enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: Substring) -> [UInt8]? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else { return nil }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: base64).map { [UInt8]($0) }
    }
}
