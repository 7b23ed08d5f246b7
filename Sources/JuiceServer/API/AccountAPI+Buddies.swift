import JuiceAPI
import JuiceCore
import OpenAPIRuntime

extension AccountAPI {
    func listBuddies(_ input: Operations.ListBuddies.Input) async throws -> Operations.ListBuddies.Output {
        let principal = try await principal()
        let buddies = try await store.buddies(accountID: principal.accountID)
        return .ok(.init(body: .json(.init(buddies: buddies.map(Components.Schemas.Buddy.init)))))
    }

    func requestBuddy(_ input: Operations.RequestBuddy.Input) async throws -> Operations.RequestBuddy.Output {
        let (principal, buddy) = try await principalAndOther(input.path.username)
        let entry = try await store.requestBuddy(accountID: principal.accountID, buddy: buddy, maxPending: settings.maxPendingRequests)
        return .ok(.init(body: .json(.init(entry))))
    }

    func acceptBuddy(_ input: Operations.AcceptBuddy.Input) async throws -> Operations.AcceptBuddy.Output {
        let (principal, buddy) = try await principalAndOther(input.path.username)
        let entry = try await store.acceptBuddy(accountID: principal.accountID, buddy: buddy)
        return .ok(.init(body: .json(.init(entry))))
    }

    func removeBuddy(_ input: Operations.RemoveBuddy.Input) async throws -> Operations.RemoveBuddy.Output {
        let (principal, buddy) = try await principalAndOther(input.path.username)
        try await store.removeBuddy(accountID: principal.accountID, buddy: buddy)
        return .noContent(.init())
    }

    /// The caller, and the other user `raw` names (never the caller).
    func principalAndOther(_ raw: String) async throws -> (SessionPrincipal, Username) {
        let principal = try await principal()
        let buddy = try Validate.username(raw)
        guard buddy != principal.username else { throw AccountError.invalid("you cannot be your own buddy") }
        return (principal, buddy)
    }
}

extension Components.Schemas.Buddy {
    init(_ entry: BuddyEntry) {
        self.init(
            username: entry.username.value,
            relation: .init(rawValue: entry.relation.rawValue)!,
            publicKey: entry.publicKey.map { .init($0) },
            peerId: entry.peerID.rawValue,
            endpoint: entry.endpoint,
            candidates: entry.candidates.isEmpty ? nil : entry.candidates.map(Components.Schemas.Candidate.init),
            status: .init(rawValue: entry.status) ?? .offline,
            statusText: entry.statusText.isEmpty ? nil : entry.statusText,
            camera: entry.capabilities.camera,
            mic: entry.capabilities.mic
        )
    }
}

extension Components.Schemas.Candidate {
    init(_ candidate: Candidate) {
        self.init(_type: .init(rawValue: candidate.kind.rawValue)!, address: candidate.address.description)
    }
}
