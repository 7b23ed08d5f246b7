/// The name of a Juice service. It salts every password hash, so the same password gives
/// unrelated keys on different services. Client and server must agree on it.
public struct Realm: Sendable, Hashable, CustomStringConvertible {
    /// The realm name.
    public let name: String

    /// The realm used when none is configured.
    public static let `default` = Realm(validated: "juice")

    /// Validates a realm name: 1 to 128 printable ASCII characters.
    public init(_ name: String) throws(InvalidValue) {
        guard (1...128).contains(name.utf8.count), name.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 && $0.value < 0x7F }) else {
            throw InvalidValue("realm must be 1 to 128 printable ASCII characters without spaces")
        }
        self.name = name
    }

    private init(validated name: String) { self.name = name }

    public var description: String { name }
}
