/// The lines of a rendezvous stream after the first: one compact JSON object each, with `type`,
/// ended by `\n` (docs/protocol.md 2.6).
enum RendezvousLine {
    /// An accepted buddy is online: the fields of its buddy entry.
    static func introduction(_ buddy: BuddyEntry) -> [UInt8] {
        var json = JSONWriter(capacity: 300)
        json.beginObject()
        json.field("type"); json.string("introduction")
        json.field("username"); json.string(buddy.username.value)
        json.field("peerId"); json.integer(buddy.peerID.rawValue)
        if let publicKey = buddy.publicKey { json.field("publicKey"); json.base64(bytes: publicKey) }
        if let endpoint = buddy.endpoint { json.field("endpoint"); json.string(endpoint) }
        json.field("status"); json.string(buddy.status)
        if !buddy.statusText.isEmpty { json.field("statusText"); json.string(buddy.statusText) }
        json.field("camera"); json.bool(buddy.capabilities.camera)
        json.field("mic"); json.bool(buddy.capabilities.mic)
        json.endObject()
        return json.bytes + [0x0A]
    }

    /// An accepted buddy went offline; `peerID` is the one that left.
    static func departure(username: String, peerID: Int64) -> [UInt8] {
        var json = JSONWriter(capacity: 80)
        json.beginObject()
        json.field("type"); json.string("departure")
        json.field("username"); json.string(username)
        json.field("peerId"); json.integer(peerID)
        json.endObject()
        return json.bytes + [0x0A]
    }

    /// The server ends the stream: `logout` or `replaced` (a newer login of the same user).
    static func ended(reason: String) -> [UInt8] {
        var json = JSONWriter(capacity: 50)
        json.beginObject()
        json.field("type"); json.string("ended")
        json.field("reason"); json.string(reason)
        json.endObject()
        return json.bytes + [0x0A]
    }

    /// Nothing happened for a while.
    static let keepalive = Array(#"{"type":"keepalive"}"#.utf8) + [0x0A]
}
