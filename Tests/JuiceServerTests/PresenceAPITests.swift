import Foundation
@testable import JuiceServer
import JuiceTestSupport
import Postgres
import Sodium
import Testing

@Suite struct PresenceAPITests {
    @Test func peerIDIsVisibleOnlyToAcceptedBuddies() async throws {
        try await withService { api, _, _ in
            let alice = TestUser("alice"), bob = TestUser("bob"), carol = TestUser("carol"), dave = TestUser("dave")
            for user in [alice, bob, carol, dave] { try await api.register(user) }
            try await api.makeBuddies(alice, bob)
            let carolToken = try await api.token(carol)
            #expect(try await api.request(.put, "/v1/buddies/alice", token: carolToken).status == .ok)
            _ = try await api.token(alice, camera: true)

            let bobView = try #require(buddy("alice", in: try await api.buddies(try await api.token(bob))))
            #expect((bobView["peerId"] as? Int64 ?? 0) > 0)

            let carolView = try #require(buddy("alice", in: try await api.buddies(carolToken)))
            #expect(carolView["relation"] as? String == "outgoing")
            #expect(carolView["peerId"] as? Int == 0)
            #expect(carolView["endpoint"] == nil)
            #expect(carolView["publicKey"] == nil)
            #expect(carolView["camera"] as? Bool == false)

            #expect(try await api.buddies(try await api.token(dave)).isEmpty)
        }
    }

    @Test func expiredLeasesReadAsZeroAndTheReaperWritesZero() async throws {
        try await withService { api, db, pool in
            let alice = TestUser("alice"), bob = TestUser("bob")
            try await api.register(alice)
            try await api.register(bob)
            try await api.makeBuddies(alice, bob)
            let aliceToken = try await api.token(alice)
            let bobToken = try await api.token(bob)
            try db.sql("UPDATE presence_state SET lease_expires_at = now() - interval '1 second' FROM accounts a WHERE a.id = account_id AND a.username = 'alice'")
            try db.sql("UPDATE sessions SET expires_at = now() - interval '1 second' FROM accounts a WHERE a.id = account_id AND a.username = 'alice'")

            #expect(buddy("alice", in: try await api.buddies(bobToken))?["peerId"] as? Int == 0)
            #expect(try db.sql("SELECT peer_id, online FROM presence WHERE username = 'alice'").first?.decode("peer_id", as: Int64.self) == 0)
            #expect(try await api.request(.post, "/v1/sessions/current/renew", token: aliceToken, json: [:]).status == .unauthorized)

            let reaped = try await AccountStore(pool: pool).reap()
            #expect(reaped.leases == 1)
            #expect(try db.sql("SELECT p.peer_id FROM presence_state p JOIN accounts a ON a.id = p.account_id WHERE a.username = 'alice'").first?.decode("peer_id", as: Int64.self) == 0)
        }
    }

    @Test func renewExtendsTheLeaseAndPublishesChanges() async throws {
        try await withService({ $0.accounts.leaseSeconds = 60 }) { api, db, _ in
            let alice = TestUser("alice")
            try await api.register(alice)
            let token = try await api.token(alice)
            try db.sql("UPDATE presence_state SET lease_expires_at = now() + interval '5 seconds'")
            let renewed = try await api.request(.post, "/v1/sessions/current/renew", token: token, json: ["status": "away", "statusText": "lunch", "mic": true])
            #expect(renewed.status == .ok)
            #expect(renewed.json["leaseSeconds"] as? Int == 60)
            let row = try #require(try db.sql("SELECT status, status_text, mic, extract(epoch FROM lease_expires_at - now())::float8 AS left FROM presence WHERE username = 'alice'").first)
            #expect(try row.decode("status", as: String.self) == "away")
            #expect(try row.decode("status_text", as: String.self) == "lunch")
            #expect(try row.decode("mic", as: Bool.self))
            #expect(try row.decode("left", as: Double.self) > 50)
            let bad = try await api.request(.post, "/v1/sessions/current/renew", token: token, json: ["endpoint": "not an endpoint"])
            #expect(bad.status == .badRequest)
        }
    }

    @Test func aSecondLoginReplacesTheFirst() async throws {
        try await withService { api, db, _ in
            let alice = TestUser("alice")
            try await api.register(alice)
            let first = try await api.login(alice)
            let second = try await api.login(alice, endpoint: "127.0.0.1:6000")
            let firstToken = try #require(first.json["token"] as? String)
            let secondToken = try #require(second.json["token"] as? String)
            let firstPeer = (first.json["lease"] as? [String: Any])?["peerId"] as? Int64
            let secondPeer = (second.json["lease"] as? [String: Any])?["peerId"] as? Int64
            #expect(firstPeer != secondPeer)
            #expect(try await api.request(.post, "/v1/sessions/current/renew", token: firstToken, json: [:]).status == .unauthorized)
            #expect(try await api.request(.get, "/v1/buddies", token: firstToken).status == .unauthorized)
            #expect(try await api.request(.post, "/v1/sessions/current/renew", token: secondToken, json: [:]).status == .ok)
            let row = try #require(try db.sql("SELECT peer_id, endpoint FROM presence WHERE username = 'alice'").first)
            #expect(try row.decode("peer_id", as: Int64.self) == secondPeer)
            #expect(try row.decode("endpoint", as: String.self) == "127.0.0.1:6000")
        }
    }

    @Test func oneUsersTokenCannotChangeAnothersPresenceOrKeys() async throws {
        try await withService { api, db, _ in
            let alice = TestUser("alice"), bob = TestUser("bob")
            try await api.register(alice)
            try await api.register(bob)
            _ = try await api.token(alice, camera: true)
            let bobToken = try await api.token(bob)
            let before = try db.sql("SELECT peer_id, endpoint, camera FROM presence WHERE username = 'alice'").first

            #expect(try await api.request(.post, "/v1/sessions/current/renew", token: bobToken, json: ["camera": false, "endpoint": "10.9.9.9:1"]).status == .ok)
            let change = try await api.request(.put, "/v1/account/password", token: bobToken, json: [
                "currentAuthKey": b64(alice.authKey), "newAuthKey": b64(RandomBytes.bytes(32)), "sealedSecret": b64(RandomBytes.bytes(72)),
            ])
            #expect(change.status == .unauthorized)
            #expect(try await api.register(alice).status == .conflict)

            let after = try db.sql("SELECT peer_id, endpoint, camera FROM presence WHERE username = 'alice'").first
            #expect(try before?.decode("peer_id", as: Int64.self) == after?.decode("peer_id", as: Int64.self))
            #expect(try after?.decode("camera", as: Bool.self) == true)
            #expect(try after?.decode("endpoint", as: String.self) == "127.0.0.1:4000")
            #expect(try await api.login(alice).status == .ok) // alice's key unchanged
            let keys = try #require(try db.sql("SELECT public_key, sealed_secret FROM accounts WHERE username = 'alice'").first)
            #expect(try keys.decode("public_key", as: [UInt8].self) == alice.publicKey)
            #expect(try keys.decode("sealed_secret", as: [UInt8].self) == alice.sealedSecret)
        }
    }

    @Test func aDumpOfTheTokenTableIsUselessForLogin() async throws {
        try await withService { api, db, _ in
            let alice = TestUser("alice")
            try await api.register(alice)
            let token = try await api.token(alice)
            let stored = try #require(try db.sql("SELECT token_hash FROM sessions").first?.decode("token_hash", as: [UInt8].self))
            let forged = Base64URL.encode(stored)
            #expect(forged != token)
            #expect(try await api.request(.get, "/v1/buddies", token: forged).status == .unauthorized)
            #expect(try await api.request(.get, "/v1/buddies", token: "garbage").status == .unauthorized)
            #expect(try await api.request(.get, "/v1/buddies").status == .unauthorized)
            let verifier = try #require(try db.sql("SELECT verifier FROM accounts").first?.decode("verifier", as: [UInt8].self))
            #expect(try await api.login(alice, authKey: verifier).status == .unauthorized)
        }
    }

    @Test func buddyRequestsNeedConsentAndCanBeRemoved() async throws {
        try await withService { api, _, _ in
            let alice = TestUser("alice"), bob = TestUser("bob")
            try await api.register(alice)
            try await api.register(bob)
            let a = try await api.token(alice, online: false), b = try await api.token(bob, online: false)
            #expect(try await api.request(.put, "/v1/buddies/alice", token: a).status == .badRequest)
            #expect(try await api.request(.put, "/v1/buddies/nobody", token: a).status == .notFound)
            #expect(try await api.request(.post, "/v1/buddies/bob/accept", token: a).status == .notFound)
            #expect(try await api.request(.put, "/v1/buddies/bob", token: a).json["relation"] as? String == "outgoing")
            #expect(buddy("alice", in: try await api.buddies(b))?["relation"] as? String == "incoming")
            #expect(try await api.request(.post, "/v1/buddies/alice/accept", token: b).json["relation"] as? String == "accepted")
            #expect(try await api.request(.delete, "/v1/buddies/alice", token: b).status == .noContent)
            #expect(try await api.buddies(a).isEmpty)
            #expect(try await api.request(.delete, "/v1/buddies/alice", token: b).status == .notFound)
            // Asking someone who already asked us accepts at once.
            #expect(try await api.request(.put, "/v1/buddies/bob", token: a).status == .ok)
            #expect(try await api.request(.put, "/v1/buddies/alice", token: b).json["relation"] as? String == "accepted")
        }
    }

    @Test func passwordChangeResealsAndRevokesOtherSessions() async throws {
        try await withService { api, db, _ in
            let alice = TestUser("alice")
            try await api.register(alice)
            let online = try await api.token(alice)
            let command = try await api.token(alice, online: false)
            let newKey = RandomBytes.bytes(32), newSealed = RandomBytes.bytes(72)
            let change = try await api.request(.put, "/v1/account/password", token: command, json: [
                "currentAuthKey": b64(alice.authKey), "newAuthKey": b64(newKey), "sealedSecret": b64(newSealed),
            ])
            #expect(change.status == .noContent)
            #expect(try await api.login(alice).status == .unauthorized)
            let relogin = try await api.login(alice, authKey: newKey)
            #expect(relogin.status == .ok)
            #expect((relogin.json["identity"] as? [String: String])?["sealedSecret"] == b64(newSealed))
            #expect(try await api.request(.post, "/v1/sessions/current/renew", token: online, json: [:]).status == .unauthorized)
            _ = db
        }
    }
}
