import Foundation

/// The rules a JSON request body must meet beyond its schema, which the generated decoder does
/// not enforce: it reads `null` as a missing field, and the runtime's `Base64EncodedData` skips
/// characters outside the alphabet.
enum StrictJSON {
    /// Fields that hold bytes, or arrays of them: the properties that refer to a schema with
    /// `contentEncoding: base64` in openapi.yaml. A test keeps this list in step with the document.
    static let base64Fields: Set<String> = [
        "authKey", "publicKey", "sealedSecret", "currentAuthKey", "newAuthKey", "set", "keys", "id", "envelope", "prekey",
    ]

    /// Throws for a `null` anywhere, or a byte field that is not ``isStrictBase64(_:)``. A body
    /// that is not JSON at all passes: the generated decoder reports it.
    static func check(_ data: Data) throws(MalformedRequest) {
        guard let value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return }
        try check(value, path: "")
    }

    /// Standard base64 (RFC 4648 section 4) with padding, in its one canonical spelling: no
    /// characters outside the alphabet, no whitespace, no missing or extra padding.
    static func isStrictBase64(_ text: String) -> Bool {
        Data(base64Encoded: text).map { $0.base64EncodedString() == text } ?? false
    }

    private static func check(_ value: Any, path: String) throws(MalformedRequest) {
        switch value {
        case is NSNull:
            throw .nullValue(field: path.isEmpty ? "the body" : path)
        case let object as [String: Any]:
            for (key, child) in object {
                let field = String((path.isEmpty ? key : "\(path).\(key)").prefix(64))
                if base64Fields.contains(key) {
                    for text in (child as? [Any] ?? [child]).compactMap({ $0 as? String }) where !isStrictBase64(text) {
                        throw .invalidBase64(field: field)
                    }
                }
                try check(child, path: field)
            }
        case let array as [Any]:
            for (index, child) in array.enumerated() { try check(child, path: "\(path)[\(index)]") }
        default:
            break
        }
    }
}
