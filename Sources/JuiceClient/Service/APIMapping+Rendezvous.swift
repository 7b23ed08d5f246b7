import Foundation
import JuiceAPI
import JuiceCore
import OpenAPIRuntime

// The rendezvous stream's lines in the client's types (the rest of the mapping is in
// APIMapping.swift).

extension RendezvousEvent {
    /// The line types of protocol.md 2.3.1; any other is skipped.
    private static let knownTypes: Set<String> = ["login", "resumed", "introduction", "departure", "keepalive", "ended", "receipt"]

    private struct Kind: Decodable { var type: String }

    /// Decodes as the generated client does: dates as the API's ISO 8601 (``Configuration/juice``).
    private static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            try ISO8601FormatStyleTranscoder().decode(try decoder.singleValueContainer().decode(String.self))
        }
        return decoder
    }

    /// Decodes one line; nil for a keepalive or a line of an unknown type. The first line must
    /// be `login` or `resumed` and no later one may be; a login line's token goes to `token`.
    /// Throws on anything malformed (the caller ends the stream and resumes it).
    static func decode(line: ArraySlice<UInt8>, first: Bool, token: BearerTokenMiddleware) throws(ServiceError) -> RendezvousEvent? {
        let data = Data(line), decoder = decoder()
        do {
            let type = try decoder.decode(Kind.self, from: data).type
            // Before skipping unknown types: a first line of a type this client does not know
            // is not a login either (skipped, it made the real login line read as a second one).
            guard first == (type == "login" || type == "resumed") else {
                throw ServiceError(status: nil, message: first ? "the rendezvous stream did not start with its login line" : "the Juice server sent a second \(type) line")
            }
            guard knownTypes.contains(type) else { return nil }
            if type == "login" {
                let response = try decoder.decode(Components.Schemas.LoginResponse.self, from: data)
                let grant = try LoginGrant(response)
                token.set(response.token)
                return .login(grant)
            }
            return try RendezvousEvent(try decoder.decode(Components.Schemas.RendezvousEvent.self, from: data))
        } catch let error as ServiceError {
            throw error
        } catch {
            throw ServiceError(status: nil, message: "the Juice server sent a malformed rendezvous line")
        }
    }

    /// A line other than `login`; nil for a keepalive.
    private init?(_ event: Components.Schemas.RendezvousEvent) throws(ServiceError) {
        let malformed = ServiceError(status: nil, message: "the Juice server sent a malformed \(event._type.rawValue) line")
        switch event._type {
        case .login:
            throw malformed
        case .keepalive:
            return nil
        case .resumed:
            guard let lease = event.lease, let buddies = event.buddies else { throw malformed }
            self = .resumed(lease: Lease(lease), buddies: buddies.map(BuddyEntry.init))
        case .introduction:
            guard let username = event.username, let peerID = event.peerId.flatMap(PeerID.init(rawValue:)), let key = event.publicKey else { throw malformed }
            self = .introduction(BuddyEntry(
                username: username, relation: .accepted, publicKey: Array(key.data), peerID: peerID, endpoint: event.endpoint,
                candidates: Candidate.validated(event.candidates ?? []),
                status: event.status.map(BuddyEntry.Status.init) ?? .online, statusText: event.statusText ?? "",
                capabilities: Capabilities(camera: event.camera ?? false, mic: event.mic ?? false)
            ))
        case .departure:
            guard let username = event.username else { throw malformed }
            self = .departure(username: username, peerID: event.peerId.flatMap(PeerID.init(rawValue:)) ?? .offline)
        case .ended:
            self = .ended(reason: event.reason?.rawValue ?? "unknown")
        case .receipt:
            guard let seq = event.seq, let to = event.to, let id = event.id, id.data.count == 16, let state = event.state, let at = event.at else { throw malformed }
            self = .receipt(MailboxReceipt(seq: seq, to: to, id: Array(id.data), state: MailboxReceipt.State(rawValue: state.rawValue) ?? .expired, at: at))
        }
    }
}
