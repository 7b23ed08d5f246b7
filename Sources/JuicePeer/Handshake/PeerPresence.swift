import JuiceCore

/// What a peer tells its buddies about itself: camera and mic flags, status and status text.
/// Carried authenticated inside the handshake and in presence updates.
public struct PeerPresence: Sendable, Equatable {
    /// Camera and microphone.
    public var capabilities: Capabilities
    /// Online, away or busy.
    public var status: PresenceStatus
    /// Free text, at most 200 characters, no control characters (``StatusText``); a receiver
    /// treats any other text as a malformed record.
    public var statusText: String

    /// Creates presence details.
    public init(capabilities: Capabilities, status: PresenceStatus = .online, statusText: String = "") {
        self.capabilities = capabilities
        self.status = status
        self.statusText = statusText
    }

    /// `flags (bit 0 camera, bit 1 mic) || status (0 online, 1 away, 2 busy) || len (u8) || text`.
    func write(to writer: inout ByteWriter) {
        writer.u8((capabilities.camera ? 1 : 0) | (capabilities.mic ? 2 : 0))
        writer.u8(UInt8(PresenceStatus.allCases.firstIndex(of: status)!))
        writer.shortString(statusText)
    }

    static func read(from reader: inout ByteReader) throws(WireError) -> PeerPresence {
        let flags = try reader.u8()
        let status = Int(try reader.u8())
        guard flags & ~3 == 0, status < PresenceStatus.allCases.count else { throw .malformed }
        let text = try reader.shortString()
        guard (try? StatusText.validate(text)) != nil else { throw .malformed } // too long or control characters
        return PeerPresence(capabilities: Capabilities(camera: flags & 1 != 0, mic: flags & 2 != 0), status: PresenceStatus.allCases[status], statusText: text)
    }
}
