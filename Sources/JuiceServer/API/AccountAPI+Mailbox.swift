import Foundation
import JuiceAPI
import JuiceCore
import OpenAPIRuntime

/// Waiting messages for buddies who are offline (docs/protocol.md 5).
extension AccountAPI {
    func claimPrekey(_ input: Operations.ClaimPrekey.Input) async throws -> Operations.ClaimPrekey.Output {
        let (principal, buddy) = try await principalAndOther(input.path.username)
        let prekey = try await store.claimPrekey(claimer: principal.accountID, owner: buddy, perHour: settings.mailbox.claimsPerHour)
        return .ok(.init(body: .json(.init(prekey: prekey.map { .init($0) }))))
    }

    func leaveMessage(_ input: Operations.LeaveMessage.Input) async throws -> Operations.LeaveMessage.Output {
        guard case .json(let body) = input.body else { throw AccountError.invalid("expected a JSON body") }
        let (principal, buddy) = try await principalAndOther(input.path.username)
        let id = try Validate.bytes(body.id, count: 16, "id")
        let envelope = try Validate.envelope(body.envelope, id: id)
        let queued = try await store.leaveMessage(sender: principal.accountID, recipient: buddy, messageID: id, envelope: envelope, settings: settings.mailbox)
        return .created(.init(body: .json(.init(queuedAt: queued.queuedAt, expiresAt: queued.expiresAt))))
    }

    func acknowledgeMailbox(_ input: Operations.AcknowledgeMailbox.Input) async throws -> Operations.AcknowledgeMailbox.Output {
        guard case .json(let body) = input.body else { throw AccountError.invalid("expected a JSON body") }
        let principal = try await principal()
        let messages = body.messages ?? [], receipts = body.receipts ?? []
        guard messages.count <= 1000, receipts.count <= 1000 else { throw AccountError.invalid("at most 1000 messages and 1000 receipts") }
        try await store.acknowledge(accountID: principal.accountID, messages: messages, receipts: receipts)
        return .noContent(.init())
    }
}
