import Foundation
@testable import JuiceServer
import JuiceTestSupport
import Postgres
import Testing

/// A token from an `"online": false` login (docs/protocol.md 2.5) authenticates account
/// commands only: it cannot renew a lease, and logging it out leaves presence alone.
@Suite struct CommandTokenTests {
    @Test func aCommandTokenCannotRenewAndItsLogoutLeavesPresenceAlone() async throws {
        try await withService { api, db, _ in
            let alice = TestUser("alice")
            try await api.register(alice)
            let online = try await api.token(alice)
            let command = try await api.token(alice, online: false)
            let presence = "SELECT peer_id, extract(epoch FROM lease_expires_at)::float8 AS lease FROM presence_state p JOIN accounts a ON a.id = p.account_id WHERE a.username = 'alice'"
            let before = try #require(try db.sql(presence).first)
            let peerID = try before.decode("peer_id", as: Int64.self)
            #expect(peerID > 0)

            // Renew: 401, and nothing changes; the command token still works.
            let renewed = try await api.request(.post, "/v1/sessions/current/renew", token: command, json: ["status": "away"])
            #expect(renewed.status == .unauthorized)
            let afterRenew = try #require(try db.sql(presence).first)
            #expect(try afterRenew.decode("lease", as: Double.self) == before.decode("lease", as: Double.self))
            #expect(try db.sql("SELECT status FROM presence WHERE username = 'alice'").first?.decode("status", as: String.self) == "online")
            #expect(try await api.request(.get, "/v1/buddies", token: command).status == .ok)

            // Logout: 204, the command token is revoked, alice stays online under her other token.
            #expect(try await api.request(.delete, "/v1/sessions/current", token: command).status == .noContent)
            #expect(try await api.request(.get, "/v1/buddies", token: command).status == .unauthorized)
            #expect(try await api.request(.delete, "/v1/sessions/current", token: command).status == .unauthorized)
            #expect(try db.sql(presence).first?.decode("peer_id", as: Int64.self) == peerID)
            #expect(try await api.request(.post, "/v1/sessions/current/renew", token: online, json: [:]).status == .ok)
        }
    }
}
