import JuiceAPI

/// The lines of a rendezvous stream after the `login` line: one compact JSON object each, with
/// `type`, ended by `\n` (docs/protocol.md 2.3.1).
enum RendezvousLine {
    /// The first line of a resumed stream: the lease and a fresh buddy list.
    static func resumed(lease: Components.Schemas.Lease, buddies: [Components.Schemas.Buddy]) -> [UInt8] {
        line("resumed", capacity: 200 + 300 * buddies.count) { json in
            json.field("lease"); json.lease(lease)
            json.field("buddies"); json.buddies(buddies)
        }
    }

    /// An accepted buddy is online: the fields of its buddy entry.
    static func introduction(_ buddy: BuddyEntry) -> [UInt8] {
        line("introduction", capacity: 300) { json in
            json.field("username"); json.string(buddy.username.value)
            json.field("peerId"); json.integer(buddy.peerID.rawValue)
            if let publicKey = buddy.publicKey { json.field("publicKey"); json.base64(bytes: publicKey) }
            if let endpoint = buddy.endpoint { json.field("endpoint"); json.string(endpoint) }
            if !buddy.candidates.isEmpty { json.field("candidates"); json.candidates(buddy.candidates.map(Components.Schemas.Candidate.init)) }
            json.field("status"); json.string(buddy.status)
            if !buddy.statusText.isEmpty { json.field("statusText"); json.string(buddy.statusText) }
            json.field("camera"); json.bool(buddy.capabilities.camera)
            json.field("mic"); json.bool(buddy.capabilities.mic)
        }
    }

    /// A buddy went offline or is no longer a buddy; `peerID` is the one that left.
    static func departure(username: String, peerID: Int64) -> [UInt8] {
        line("departure", capacity: 80) { json in
            json.field("username"); json.string(username)
            json.field("peerId"); json.integer(peerID)
        }
    }

    /// The server ends the stream: `logout` or `replaced` (a newer login of the same user).
    static func ended(reason: String) -> [UInt8] {
        line("ended", capacity: 50) { json in
            json.field("reason"); json.string(reason)
        }
    }

    /// What became of a waiting message this user left (docs/protocol.md 5.4).
    static func receipt(_ receipt: ReceiptRecord) -> [UInt8] {
        line("receipt", capacity: 160) { json in json.receiptFields(.init(receipt)) }
    }

    /// Nothing happened for a while.
    static let keepalive = line("keepalive", capacity: 24) { _ in }

    /// `{"type":"<type>", fields...}\n`.
    private static func line(_ type: String, capacity: Int, _ fields: (inout JSONWriter) -> Void) -> [UInt8] {
        var json = JSONWriter(capacity: capacity)
        json.beginObject()
        json.field("type"); json.string(type)
        fields(&json)
        json.endObject()
        return json.bytes + [0x0A]
    }
}
