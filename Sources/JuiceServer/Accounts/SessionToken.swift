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

/// Unpadded base64url (RFC 4648 section 5): base64 with `-` for `+`, `_` for `/` and no `=`.
enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        let base64 = Data(bytes).base64EncodedData()
        return String(decoding: base64.compactMap { byte -> UInt8? in
            switch byte {
            case UInt8(ascii: "+"): UInt8(ascii: "-")
            case UInt8(ascii: "/"): UInt8(ascii: "_")
            case UInt8(ascii: "="): nil
            default: byte
            }
        }, as: UTF8.self)
    }

    static func decode(_ text: Substring) -> [UInt8]? {
        var base64: [UInt8] = []
        base64.reserveCapacity(text.utf8.count + 3)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): base64.append(byte)
            case UInt8(ascii: "-"): base64.append(UInt8(ascii: "+"))
            case UInt8(ascii: "_"): base64.append(UInt8(ascii: "/"))
            default: return nil
            }
        }
        base64 += repeatElement(UInt8(ascii: "="), count: (4 - base64.count % 4) % 4)
        return Data(base64Encoded: Data(base64)).map { [UInt8]($0) }
    }
}
