import Foundation
import JuiceAPI
import OpenAPIRuntime

extension Components.Schemas.LoginResponse {
    /// The reply as JSON, written directly. It is the document the generated `Codable` gives (a
    /// test parses both and compares them) at a small part of the cost: Foundation's JSONEncoder
    /// took a quarter of juiced's CPU per login in a profile (BENCHMARKS.md).
    ///
    /// As the first line of a rendezvous stream (`stream` set), it also has `"type":"login"`,
    /// `keepaliveSeconds` and `resumeSeconds` (docs/reachability.md 2.2).
    func jsonBytes(stream: RendezvousSettings? = nil) -> [UInt8] {
        var json = JSONWriter(capacity: 400 + 300 * buddies.count + (waiting ?? []).reduce(0) { $0 + 100 + $1.envelope.data.count * 4 / 3 })
        json.beginObject()
        if stream != nil { json.field("type"); json.string("login") }
        json.field("username"); json.string(username)
        json.field("token"); json.string(token)
        json.field("lease"); json.lease(lease)
        json.field("identity")
        json.beginObject()
        json.field("publicKey"); json.base64(identity.publicKey)
        json.field("sealedSecret"); json.base64(identity.sealedSecret)
        json.endObject()
        json.field("buddies"); json.buddies(buddies)
        if let reachability { json.field("reachability"); json.reachability(reachability) }
        if let prekeysLeft { json.field("prekeysLeft"); json.integer(prekeysLeft) }
        if let waiting { json.field("waiting"); json.array(waiting) { $0.waitingMessage($1) } }
        if let receipts { json.field("receipts"); json.array(receipts) { $0.beginObject(); $0.receiptFields($1); $0.endObject() } }
        if let stream {
            json.field("keepaliveSeconds"); json.integer(Int(stream.keepaliveInterval.seconds.rounded(.up)))
            json.field("resumeSeconds"); json.integer(Int(stream.resumeGrace.seconds.rounded(.up)))
        }
        json.endObject()
        return json.bytes
    }
}

extension JSONWriter {
    /// A lease object.
    mutating func lease(_ lease: Components.Schemas.Lease) {
        beginObject()
        field("peerId"); integer(lease.peerId)
        field("leaseSeconds"); integer(lease.leaseSeconds)
        field("leaseExpiresAt"); string(ISO8601FormatStyleTranscoder().encode(lease.leaseExpiresAt))
        endObject()
    }

    /// A buddy list, as an array of buddy entries.
    mutating func buddies(_ buddies: [Components.Schemas.Buddy]) {
        beginArray()
        for buddy in buddies {
            element()
            beginObject()
            field("username"); string(buddy.username)
            field("relation"); string(buddy.relation.rawValue)
            if let publicKey = buddy.publicKey { field("publicKey"); base64(publicKey) }
            field("peerId"); integer(buddy.peerId)
            if let endpoint = buddy.endpoint { field("endpoint"); string(endpoint) }
            if let candidates = buddy.candidates { field("candidates"); self.candidates(candidates) }
            field("status"); string(buddy.status.rawValue)
            if let statusText = buddy.statusText { field("statusText"); string(statusText) }
            field("camera"); bool(buddy.camera)
            field("mic"); bool(buddy.mic)
            endObject()
        }
        endArray()
    }

    /// Bytes as a base64 string, as `Base64EncodedData` encodes them.
    mutating func base64(_ value: Base64EncodedData) {
        string(Data(value.data).base64EncodedString())
    }

    /// Bytes as a standard base64 string.
    mutating func base64(bytes: [UInt8]) {
        string(Data(bytes).base64EncodedString())
    }

    /// A candidate list (docs/reachability.md 3.1).
    mutating func candidates(_ candidates: [Components.Schemas.Candidate]) {
        beginArray()
        for candidate in candidates {
            element()
            beginObject()
            field("type"); string(candidate._type.rawValue)
            field("address"); string(candidate.address)
            endObject()
        }
        endArray()
    }

    /// The relay and a credential for it (docs/reachability.md 2.2).
    mutating func reachability(_ reachability: Components.Schemas.Reachability) {
        beginObject()
        field("turnServer"); string(reachability.turnServer)
        field("username"); string(reachability.username)
        field("password"); string(reachability.password)
        field("expiresAt"); string(ISO8601FormatStyleTranscoder().encode(reachability.expiresAt))
        endObject()
    }
}

extension JSONWriter {
    /// An array, each item written by `write`.
    mutating func array<Item>(_ items: [Item], _ write: (inout JSONWriter, Item) -> Void) {
        beginArray()
        for item in items { element(); write(&self, item) }
        endArray()
    }

    /// A waiting message (docs/protocol.md 5.4).
    mutating func waitingMessage(_ message: Components.Schemas.WaitingMessage) {
        beginObject()
        field("seq"); integer(message.seq)
        field("from"); string(message.from)
        field("queuedAt"); string(ISO8601FormatStyleTranscoder().encode(message.queuedAt))
        field("envelope"); base64(message.envelope)
        endObject()
    }

    /// A receipt's fields, inside an object (a login's `receipts`, or a `receipt` line).
    mutating func receiptFields(_ receipt: Components.Schemas.Receipt) {
        field("seq"); integer(receipt.seq)
        field("to"); string(receipt.to)
        field("id"); base64(receipt.id)
        field("state"); string(receipt.state.rawValue)
        field("at"); string(ISO8601FormatStyleTranscoder().encode(receipt.at))
    }
}
