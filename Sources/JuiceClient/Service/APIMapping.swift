import JuiceAPI
import JuiceCore
import Sodium

// The one place where the generated API types become the client's own (and back): nothing
// past ``JuiceService`` sees `Components.Schemas`.

extension LoginGrant {
    init(_ response: Components.Schemas.LoginResponse) throws(ServiceError) {
        let sealed: SealedIdentity
        do {
            sealed = try SealedIdentity(publicKey: Array(response.identity.publicKey.data), sealedSecret: Array(response.identity.sealedSecret.data))
        } catch {
            throw ServiceError(status: nil, message: "the Juice server sent a malformed identity: \(error)")
        }
        self.init(
            username: response.username, lease: Lease(response.lease), sealedIdentity: sealed, buddies: response.buddies.map(BuddyEntry.init),
            relay: response.reachability.flatMap(RelayAccess.init),
            prekeysLeft: response.prekeysLeft,
            waiting: (response.waiting ?? []).map(WaitingDelivery.init),
            receipts: (response.receipts ?? []).map(MailboxReceipt.init)
        )
    }
}

extension WaitingDelivery {
    init(_ message: Components.Schemas.WaitingMessage) {
        self.init(seq: message.seq, from: message.from, queuedAt: message.queuedAt, envelope: Array(message.envelope.data))
    }
}

extension MailboxReceipt {
    init(_ receipt: Components.Schemas.Receipt) {
        self.init(seq: receipt.seq, to: receipt.to, id: Array(receipt.id.data), state: State(rawValue: receipt.state.rawValue) ?? .expired, at: receipt.at)
    }
}

extension Lease {
    init(_ lease: Components.Schemas.Lease) {
        self.init(peerID: PeerID(rawValue: lease.peerId) ?? .offline, seconds: Int(lease.leaseSeconds))
    }
}

extension BuddyEntry {
    init(_ buddy: Components.Schemas.Buddy) {
        self.init(
            username: buddy.username, relation: Relation(buddy.relation), publicKey: buddy.publicKey.map { Array($0.data) },
            peerID: PeerID(rawValue: buddy.peerId) ?? .offline, endpoint: buddy.endpoint,
            candidates: Candidate.validated(buddy.candidates ?? []), status: Status(buddy.status),
            statusText: buddy.statusText ?? "", capabilities: Capabilities(camera: buddy.camera, mic: buddy.mic)
        )
    }
}

extension BuddyEntry.Relation {
    init(_ relation: Components.Schemas.Relation) {
        switch relation {
        case .accepted: self = .accepted
        case .incoming: self = .incoming
        case .outgoing: self = .outgoing
        }
    }
}

extension BuddyEntry.Status {
    init(_ status: Components.Schemas.BuddyStatus) {
        switch status {
        case .offline: self = .offline
        case .online: self = .online
        case .away: self = .away
        case .busy: self = .busy
        }
    }
}

extension Components.Schemas.RenewRequest {
    init(_ change: PresenceChange) {
        self.init(
            candidates: change.candidates.map { $0.map(Components.Schemas.Candidate.init) }, camera: change.camera, mic: change.mic,
            status: change.status.map(Components.Schemas.PresenceStatus.init), statusText: change.statusText
        )
    }
}

extension Components.Schemas.PresenceStatus {
    /// The API's form of a status (the same three cases).
    init(_ status: PresenceStatus) {
        switch status {
        case .online: self = .online
        case .away: self = .away
        case .busy: self = .busy
        }
    }
}

extension Candidate {
    /// The candidates of a buddy entry or an introduction that pass the checks of
    /// docs/reachability.md 3.4 (each bad one dropped alone). Loopback is filtered later, by
    /// what the server is (``PeerNetwork/Buddy/init(_:allowLoopback:)``).
    static func validated(_ list: [Components.Schemas.Candidate]) -> [Candidate] {
        validated(list.map { (kind: $0._type.rawValue, address: $0.address) }, allowLoopback: true)
    }
}

extension Components.Schemas.Candidate {
    /// The API's form of one of our candidates.
    init(_ candidate: Candidate) {
        self.init(_type: .init(rawValue: candidate.kind.rawValue)!, address: candidate.address.description)
    }
}

extension RelayAccess {
    /// The login's `reachability`; nil (no relay) when its server is not `HOST:PORT`.
    init?(_ reachability: Components.Schemas.Reachability) {
        guard let server = try? Endpoint(reachability.turnServer) else { return nil }
        self.init(server: server, username: reachability.username, password: reachability.password, expiresAt: reachability.expiresAt)
    }
}
