/// What an online user says about themselves.
public enum PresenceStatus: String, Sendable, Codable, CaseIterable {
    case online, away, busy
}

/// Free text that goes with a status: at most ``maxLength`` characters (and 255 UTF-8 bytes, the
/// most a peer handshake carries), no control characters.
public enum StatusText {
    /// Longest allowed status text.
    public static let maxLength = 200

    /// Returns `text` if valid, else a one-line reason.
    public static func validate(_ text: String) throws(InvalidValue) -> String {
        guard text.count <= maxLength, text.utf8.count <= 255 else {
            throw InvalidValue("status text must be at most \(maxLength) characters and 255 bytes")
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw InvalidValue("status text must not contain control characters")
        }
        return text
    }
}
