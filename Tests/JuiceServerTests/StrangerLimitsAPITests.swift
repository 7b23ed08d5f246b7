import Foundation
import HTTPTypes
import JuiceCore
@testable import JuiceServer
import JuiceTestSupport
import Sodium
import Testing

/// Bounds on what strangers can make the service store (issue 8, item 9), and buddy requests
/// that never lose a side's consent (item 14).
@Suite struct StrangerLimitsAPITests {
    @Test func registrationsPerAddressAreBounded() async throws {
        try await withService({ $0.accounts.registrationsPerAddressPerHour = 3 }) { api, db, _ in
            for index in 0..<2 { #expect(try await api.register(TestUser("user\(index)")).status == .created) }
            // A refused attempt counts too, so probing which names exist costs the same budget.
            #expect(try await api.register(TestUser("user0")).errorCode == "username_taken")
            let refused = try await api.register(TestUser("user3"))
            #expect(refused.status == .tooManyRequests)
            #expect(refused.errorCode == "limit_reached")
            #expect((1...3600).contains(Int(refused.headers[.retryAfter] ?? "") ?? 0))
            #expect(try db.sql("SELECT count(*) AS n FROM accounts").first?.decode("n", as: Int.self) == 2)
        }
    }

    @Test func pendingRequestsToOneUserAreBounded() async throws {
        try await withService({ $0.accounts.maxPendingRequests = 2 }) { api, _, _ in
            let alice = TestUser("alice")
            let others = ["bob", "carol", "dave", "erin"].map(TestUser.init)
            for user in [alice] + others { try await api.register(user) }
            let aliceToken = try await api.token(alice, online: false)
            #expect(try await api.request(.put, "/v1/buddies/erin", token: aliceToken).status == .ok) // alice asked erin first
            for user in others.prefix(2) {
                #expect(try await api.request(.put, "/v1/buddies/alice", token: try await api.token(user, online: false)).status == .ok)
            }
            let full = try await api.request(.put, "/v1/buddies/alice", token: try await api.token(others[2], online: false))
            #expect(full.status == .tooManyRequests)
            #expect(full.errorCode == "limit_reached")
            #expect(full.json["message"] as? String == "alice has too many buddy requests waiting; try again later")
            // Accepting alice's own request is no new request: it goes through.
            let accepted = try await api.request(.put, "/v1/buddies/alice", token: try await api.token(others[3], online: false))
            #expect(accepted.json["relation"] as? String == "accepted")
            #expect(try await api.buddies(aliceToken).filter { $0["relation"] as? String == "incoming" }.count == 2)
        }
    }

    /// Item 14: two people asking each other at the same moment always end up buddies (before,
    /// about 1 pair in 300 stayed pending: both inserts raced and one consent was dropped). The
    /// two requests of each pair run at once on two pooled connections.
    @Test func simultaneousMutualRequestsAlwaysEndAccepted() async throws {
        try await withService { _, db, pool in
            let pairs = 1000
            _ = try db.sql("""
                INSERT INTO accounts (username, verifier, verifier_salt, public_key, sealed_secret)
                SELECT 'user' || g, sha256(g::text::bytea), sha256(g::text::bytea), sha256(('k' || g)::bytea), decode(repeat('00', 72), 'hex')
                FROM generate_series(1, $1::int) g
                """, [2 * pairs])
            _ = try db.sql("INSERT INTO presence_state (account_id) SELECT id FROM accounts")
            let ids: [String: Int64] = Dictionary(uniqueKeysWithValues: try db.sql("SELECT id, username FROM accounts").rows.map {
                (try $0.decode("username", as: String.self), try $0.decode("id", as: Int64.self))
            })
            let store = AccountStore(pool: pool)
            for pair in 0..<pairs {
                let a = "user\(2 * pair + 1)", b = "user\(2 * pair + 2)"
                async let ab = store.requestBuddy(accountID: ids[a]!, buddy: try Username(b), maxPending: 100)
                async let ba = store.requestBuddy(accountID: ids[b]!, buddy: try Username(a), maxPending: 100)
                _ = try await (ab, ba)
            }
            let pending = try db.sql("SELECT count(*) AS n FROM buddies WHERE accepted_at IS NULL").first?.decode("n", as: Int.self)
            let accepted = try db.sql("SELECT count(*) AS n FROM buddies WHERE accepted_at IS NOT NULL").first?.decode("n", as: Int.self)
            #expect(pending == 0)
            #expect(accepted == pairs)
        }
    }
}
