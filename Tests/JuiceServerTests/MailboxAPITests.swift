import Foundation
@testable import JuiceServer
import JuiceTestSupport
import Postgres
import Sodium
import Testing

/// Waiting messages on the server (docs/protocol.md 5): prekeys uploaded with a login and claimed
/// one at a time, messages left for an offline buddy within the caps, delivered with the next
/// login and deleted only once acknowledged, receipts to the sender, expiry, and the admin view.
/// The server never opens an envelope, so these use well-formed ones of random bytes.
@Suite struct MailboxAPITests {
    /// A mode-0 envelope (5.3) of `size` bytes carrying `id`.
    static func envelope(id: [UInt8], size: Int = 200) -> [UInt8] {
        [1, 0] + RandomBytes.bytes(32) + id + RandomBytes.bytes(size - 50)
    }

    /// A mode-1 envelope sealed (as far as the server can tell) to `prekey`.
    static func envelope(id: [UInt8], prekey: [UInt8]) -> [UInt8] {
        [1, 1] + RandomBytes.bytes(32) + prekey + id + RandomBytes.bytes(100)
    }

    static func leave(_ api: APIClient, _ token: String, to name: String, id: [UInt8] = RandomBytes.bytes(16), envelope: [UInt8]? = nil) async throws -> APIResponse {
        try await api.request(.post, "/v1/buddies/\(name)/messages", token: token, json: ["id": b64(id), "envelope": b64(envelope ?? Self.envelope(id: id))])
    }

    static func login(_ api: APIClient, _ user: TestUser, set: [UInt8]? = nil, prekeys: [[UInt8]] = []) async throws -> APIResponse {
        var body = api.loginBody(user)
        if let set { body["prekeys"] = ["set": b64(set), "keys": prekeys.map(b64)] }
        let response = try await api.request(.post, "/v1/sessions", json: body)
        try #require(response.status == .ok, "\(response.body)")
        return response
    }

    static func logout(_ api: APIClient, _ login: APIResponse) async throws {
        let token = try #require(login.json["token"] as? String)
        #expect(try await api.request(.delete, "/v1/sessions/current", token: token).status == .noContent)
    }

    static func prekeys(_ count: Int) throws -> [[UInt8]] { try (0..<count).map { _ in try BoxKeyPair.generate().publicKey } }

    @Test func threeMessagesWaitInOrderAndGoOnlyWhenAcknowledged() async throws {
        try await withService { api, db, _ in
            let alice = TestUser("alice"), bob = TestUser("bob")
            for user in [alice, bob] { try await api.register(user) }
            try await api.makeBuddies(alice, bob)
            let aliceToken = try await api.token(alice)
            var sent: [[UInt8]] = []
            for _ in 0..<3 {
                let id = RandomBytes.bytes(16), envelope = Self.envelope(id: id)
                let left = try await Self.leave(api, aliceToken, to: "bob", id: id, envelope: envelope)
                #expect(left.status == .created, "\(left.body)")
                #expect(left.json["expiresAt"] is String)
                sent.append(envelope)
            }
            #expect(try db.sql("SELECT messages, bytes FROM mailbox_sizes WHERE username = 'bob'").rows.first?.text("messages") == "3")

            // A login that crashes before acknowledging gets the same messages again.
            for _ in 0..<2 {
                let login = try await Self.login(api, bob)
                let waiting = try #require(login.json["waiting"] as? [[String: Any]])
                #expect(waiting.compactMap { $0["envelope"] as? String } == sent.map(b64))
                #expect(waiting.allSatisfy { $0["from"] as? String == "alice" })
                try await Self.logout(api, login)
            }
            let (aliceStream, _) = try await RendezvousClient.login(alice, on: api)
            let login = try await Self.login(api, bob)
            let seqs = try #require(login.json["waiting"] as? [[String: Any]]).compactMap { $0["seq"] as? Int64 }
            let token = try #require(login.json["token"] as? String)
            #expect(try await api.request(.post, "/v1/mailbox/ack", token: token, json: ["messages": seqs]).status == .noContent)
            #expect(try db.sql("SELECT count(*) FROM mailbox").rows.first?.text("count") == "0")
            #expect(try db.sql("SELECT count(*) FROM mailbox_sizes").rows.first?.text("count") == "0")

            // alice's stream hears each delivery; her next login lists them until she acknowledges.
            for envelope in sent {
                let id = b64(Array(envelope[34..<50]))
                #expect(await aliceStream.line(within: .seconds(10)) { $0["type"] as? String == "receipt" && $0["id"] as? String == id && $0["state"] as? String == "delivered" } != nil,
                        "no receipt on alice's stream: \(aliceStream.lines)")
            }
            await aliceStream.close()
            let again = try await Self.login(api, alice)
            let receipts = try #require(again.json["receipts"] as? [[String: Any]])
            #expect(receipts.map { $0["to"] as? String } == ["bob", "bob", "bob"])
            let againToken = try #require(again.json["token"] as? String)
            #expect(try await api.request(.post, "/v1/mailbox/ack", token: againToken, json: ["receipts": receipts.compactMap { $0["seq"] as? Int64 }]).status == .noContent)
            #expect(try await Self.login(api, alice).json["receipts"] == nil)
        }
    }

    @Test func leavingAMessageIsRefusedWithAClearError() async throws {
        try await withService({ $0.accounts.mailbox.maxMessages = 4 }) { api, db, _ in
            let alice = TestUser("alice"), bob = TestUser("bob"), carol = TestUser("carol"), eve = TestUser("eve")
            for user in [alice, bob, carol, eve] { try await api.register(user) }
            try await api.makeBuddies(alice, bob)
            try await api.makeBuddies(carol, bob)
            let aliceToken = try await api.token(alice), carolToken = try await api.token(carol), eveToken = try await api.token(eve)

            let stranger = try await Self.leave(api, eveToken, to: "bob")
            #expect(stranger.status == .notFound && stranger.errorCode == "not_found")
            #expect(try await Self.leave(api, aliceToken, to: "nobody").status == .notFound)
            #expect(try await Self.leave(api, aliceToken, to: "alice").status == .badRequest)

            let id = RandomBytes.bytes(16)
            for (envelope, why) in [
                ([2, 1] + RandomBytes.bytes(64) + id + RandomBytes.bytes(40), "version 2"),
                ([1, 7] + RandomBytes.bytes(64) + id + RandomBytes.bytes(40), "mode 7"),
                ([1, 1] + RandomBytes.bytes(64) + id + RandomBytes.bytes(23), "too short"),
                ([1, 0] + RandomBytes.bytes(32) + id + RandomBytes.bytes(23), "too short for mode 0"),
                ([1, 1] + RandomBytes.bytes(64) + RandomBytes.bytes(16) + RandomBytes.bytes(40), "another id inside"),
                (Self.envelope(id: id, size: 16_491), "too long"),
            ] {
                let response = try await Self.leave(api, aliceToken, to: "bob", id: id, envelope: envelope)
                #expect(response.status == .badRequest, "\(why): \(response.body)")
            }

            // A retry of the same message is stored once; past half the cap a sender is refused.
            let first = try await Self.leave(api, aliceToken, to: "bob", id: id)
            #expect(first.status == .created)
            #expect(try await Self.leave(api, aliceToken, to: "bob", id: id).json["queuedAt"] as? String == first.json["queuedAt"] as? String)
            #expect(try await Self.leave(api, aliceToken, to: "bob").status == .created)
            let full = try await Self.leave(api, aliceToken, to: "bob")
            #expect(full.status == .conflict && full.errorCode == "mailbox_full", "\(full.body)")
            #expect((full.json["message"] as? String)?.contains("bob's mailbox is full") == true)
            for _ in 0..<2 { #expect(try await Self.leave(api, carolToken, to: "bob").status == .created) }
            #expect(try await Self.leave(api, carolToken, to: "bob").errorCode == "mailbox_full")
            #expect(try db.sql("SELECT messages FROM mailbox_sizes WHERE username = 'bob'").rows.first?.text("messages") == "4")
            // A third sender, within its own half, meets the whole mailbox's cap.
            let dave = TestUser("dave")
            try await api.register(dave)
            try await api.makeBuddies(dave, bob)
            let whole = try await Self.leave(api, try await api.token(dave), to: "bob")
            #expect(whole.status == .conflict && whole.errorCode == "mailbox_full", "\(whole.body)")

            // Removing a buddy takes back what either left for the other.
            #expect(try await api.request(.delete, "/v1/buddies/bob", token: carolToken).status == .noContent)
            #expect(try db.sql("SELECT messages FROM mailbox_sizes WHERE username = 'bob'").rows.first?.text("messages") == "2")

            // An online buddy gets the message directly.
            _ = try await api.token(bob)
            let online = try await Self.leave(api, aliceToken, to: "bob")
            #expect(online.status == .conflict && online.errorCode == "recipient_online")
        }
    }

    @Test func prekeysAreHandedOutOnceWithinTheClaimBound() async throws {
        try await withService({ $0.accounts.mailbox.claimsPerHour = 3 }) { api, db, _ in
            let alice = TestUser("alice"), bob = TestUser("bob"), carol = TestUser("carol")
            for user in [alice, bob, carol] { try await api.register(user) }
            try await api.makeBuddies(alice, bob)
            try await api.makeBuddies(carol, bob)
            let set = RandomBytes.bytes(16), keys = try Self.prekeys(5)
            let upload = try await Self.login(api, bob, set: set, prekeys: keys)
            #expect(upload.json["prekeysLeft"] as? Int == 5)
            #expect(try await Self.login(api, bob, set: set, prekeys: [keys[0]]).json["prekeysLeft"] as? Int == 5, "a key held already is not stored twice")
            #expect(try await Self.login(api, bob).json["prekeysLeft"] == nil, "a login naming no set is told nothing")

            let aliceToken = try await api.token(alice), carolToken = try await api.token(carol)
            var claimed: [String] = []
            for _ in 0..<3 {
                let claim = try await api.request(.post, "/v1/buddies/bob/prekey", token: aliceToken)
                #expect(claim.status == .ok)
                claimed.append(try #require(claim.json["prekey"] as? String))
            }
            let spent = try await api.request(.post, "/v1/buddies/bob/prekey", token: aliceToken)
            #expect(spent.status == .ok && spent.json["prekey"] == nil, "past the hourly bound: none (the weaker mode)")
            claimed.append(try #require(try await api.request(.post, "/v1/buddies/bob/prekey", token: carolToken).json["prekey"] as? String))
            claimed.append(try #require(try await api.request(.post, "/v1/buddies/bob/prekey", token: carolToken).json["prekey"] as? String))
            #expect(Set(claimed) == Set(keys.map(b64)), "each prekey handed out exactly once")
            #expect(try await api.request(.post, "/v1/buddies/bob/prekey", token: carolToken).json["prekey"] == nil, "none left")
            #expect(try db.sql("SELECT count(*) FROM prekeys").rows.first?.text("count") == "0")

            let stranger = TestUser("eve")
            try await api.register(stranger)
            #expect(try await api.request(.post, "/v1/buddies/bob/prekey", token: try await api.token(stranger)).status == .notFound)

            // Another machine's set replaces the old one; bad uploads refuse the login.
            _ = try await Self.login(api, bob, set: set, prekeys: try Self.prekeys(2))
            #expect(try await Self.login(api, bob, set: RandomBytes.bytes(16), prekeys: try Self.prekeys(1)).json["prekeysLeft"] as? Int == 1)
            var body = api.loginBody(bob)
            for (prekeys, why) in [
                (["set": b64(set), "keys": [b64([UInt8](repeating: 0, count: 32))]], "an all-zero key"),
                (["set": b64(RandomBytes.bytes(15)), "keys": []], "a short set"),
                (["set": b64(set), "keys": [b64(keys[0]), b64(keys[0])]], "a key twice"),
            ] as [([String: Any], String)] {
                body["prekeys"] = prekeys
                #expect(try await api.request(.post, "/v1/sessions", json: body).status == .badRequest, "\(why)")
            }
        }
    }

    /// A mode-1 envelope must name a prekey its sender claimed from the recipient, once: nobody
    /// can leave messages sealed to prekeys that were never handed out.
    @Test func aPrekeyMustBeClaimedBeforeUseAndServesOneMessage() async throws {
        try await withService { api, _, _ in
            let alice = TestUser("alice"), bob = TestUser("bob"), carol = TestUser("carol")
            for user in [alice, bob, carol] { try await api.register(user) }
            try await api.makeBuddies(alice, bob)
            try await api.makeBuddies(carol, bob)
            try await Self.logout(api, try await Self.login(api, bob, set: RandomBytes.bytes(16), prekeys: try Self.prekeys(2)))
            let aliceToken = try await api.token(alice), carolToken = try await api.token(carol)

            let made = try Self.prekeys(1)[0], id = RandomBytes.bytes(16)
            let unclaimed = try await Self.leave(api, aliceToken, to: "bob", id: id, envelope: Self.envelope(id: id, prekey: made))
            #expect(unclaimed.status == .badRequest && (unclaimed.json["message"] as? String)?.contains("not one you claimed") == true, "\(unclaimed.body)")
            let handedOut = try #require(try await api.request(.post, "/v1/buddies/bob/prekey", token: aliceToken).json["prekey"] as? String)
            let claimed = try #require(Data(base64Encoded: handedOut))
            let byCarol = RandomBytes.bytes(16)
            #expect(try await Self.leave(api, carolToken, to: "bob", id: byCarol, envelope: Self.envelope(id: byCarol, prekey: Array(claimed))).status == .badRequest, "alice's claim, not carol's")
            #expect(try await Self.leave(api, aliceToken, to: "bob", id: id, envelope: Self.envelope(id: id, prekey: Array(claimed))).status == .created)
            let again = RandomBytes.bytes(16)
            #expect(try await Self.leave(api, aliceToken, to: "bob", id: again, envelope: Self.envelope(id: again, prekey: Array(claimed))).status == .badRequest, "used once")
        }
    }

    @Test func anExpiredMessageIsDeletedAndItsSenderTold() async throws {
        try await withService({ $0.accounts.mailbox.expirySeconds = 1 }) { api, db, pool in
            let alice = TestUser("alice"), bob = TestUser("bob")
            for user in [alice, bob] { try await api.register(user) }
            try await api.makeBuddies(alice, bob)
            let id = RandomBytes.bytes(16)
            #expect(try await Self.leave(api, try await api.token(alice), to: "bob", id: id).status == .created)
            try await Task.sleep(for: .milliseconds(1500))
            #expect(try await AccountStore(pool: pool).reapMailbox() == 1)
            #expect(try db.sql("SELECT count(*) FROM mailbox").rows.first?.text("count") == "0")
            #expect(try await Self.login(api, bob).json["waiting"] == nil)
            let receipts = try #require(try await Self.login(api, alice).json["receipts"] as? [[String: Any]])
            #expect(receipts.first?["state"] as? String == "expired" && receipts.first?["id"] as? String == b64(id))
        }
    }

    /// Admins see how full a mailbox is, never what is in it.
    @Test func theAdminViewShowsSizesNotContents() async throws {
        try await withService { api, db, _ in
            let alice = TestUser("alice"), bob = TestUser("bob")
            for user in [alice, bob] { try await api.register(user) }
            try await api.makeBuddies(alice, bob)
            #expect(try await Self.leave(api, try await api.token(alice), to: "bob", envelope: nil).status == .created)
            let columns = try db.sql("SELECT column_name FROM information_schema.columns WHERE table_name = 'mailbox_sizes' ORDER BY ordinal_position")
                .rows.compactMap { try $0.text("column_name") }
            #expect(columns == ["username", "messages", "bytes", "senders", "oldest"])
            let row = try #require(try db.sql("SELECT * FROM mailbox_sizes").rows.first)
            #expect(try row.text("username") == "bob")
            #expect(try row.text("bytes") == "200")
            #expect(try row.text("senders") == "1")
        }
    }
}
