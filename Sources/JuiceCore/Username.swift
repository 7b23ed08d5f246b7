/// A validated, normalised username: 3 to 32 characters of `a-z 0-9 . _ -`, starting with a
/// letter or digit, compared case-insensitively (stored lower-case).
public struct Username: Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    /// The normalised (lower-case) form.
    public let value: String

    /// Shortest allowed length.
    public static let minLength = 3
    /// Longest allowed length.
    public static let maxLength = 32

    /// Validates and normalises `raw`; throws a one-line reason when it is not a valid username.
    public init(_ raw: String) throws(UsernameError) {
        guard !raw.isEmpty else { throw .empty }
        guard raw.unicodeScalars.allSatisfy({ $0.isASCII && $0.value >= 0x20 && $0.value != 0x7F }) else {
            throw .invalidCharacters
        }
        let lower = raw.lowercased()
        guard lower.count >= Self.minLength else { throw .tooShort }
        guard lower.count <= Self.maxLength else { throw .tooLong }
        guard lower.utf8.allSatisfy(Self.isAllowed) else { throw .invalidCharacters }
        guard let first = lower.utf8.first, Self.isAlphanumeric(first) else { throw .badFirstCharacter }
        value = lower
    }

    public var description: String { value }

    public static func < (lhs: Username, rhs: Username) -> Bool { lhs.value < rhs.value }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    private static func isAlphanumeric(_ c: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c)
    }

    private static func isAllowed(_ c: UInt8) -> Bool {
        isAlphanumeric(c) || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
    }
}

/// Why a username was rejected.
public enum UsernameError: Error, Equatable, CustomStringConvertible {
    case empty, tooShort, tooLong, invalidCharacters, badFirstCharacter

    public var description: String {
        switch self {
        case .empty: "username is empty"
        case .tooShort: "username must be at least \(Username.minLength) characters"
        case .tooLong: "username must be at most \(Username.maxLength) characters"
        case .invalidCharacters: "username may contain only letters a-z, digits, '.', '_' and '-'"
        case .badFirstCharacter: "username must start with a letter or digit"
        }
    }
}
