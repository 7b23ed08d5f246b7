import Foundation
@testable import JuiceServer
import JuiceTestSupport
import Sodium
import Testing

@Suite struct AccountAPITests {
    @Test func registerLoginBuddiesLogout() async throws {
        try await withService { api, db, _ in
            let alice = TestUser("alice"), bob = TestUser("bob")
            #expect(try await api.register(alice).status == .created)
            #expect(try await api.register(bob).status == .created)
            try await api.makeBuddies(alice, bob)

            let login = try await api.login(alice, endpoint: "127.0.0.1:5001", camera: true)
            #expect(login.status == .ok)
            let lease = try #require(login.json["lease"] as? [String: Any])
            let peerID = try #require(lease["peerId"] as? Int64)
            #expect(peerID > 0)
            #expect(lease["leaseSeconds"] as? Int == 3600)
            let identity = try #require(login.json["identity"] as? [String: String])
            #expect(identity["publicKey"] == b64(alice.publicKey))
            #expect(identity["sealedSecret"] == b64(alice.sealedSecret))
            let bobEntry = try #require(buddy("bob", in: login.json["buddies"] as? [[String: Any]] ?? []))
            #expect(bobEntry["peerId"] as? Int == 0)
            #expect(bobEntry["status"] as? String == "offline")
            #expect(bobEntry["publicKey"] as? String == b64(bob.publicKey))

            let bobToken = try await api.token(bob)
            let aliceSeen = try #require(buddy("alice", in: try await api.buddies(bobToken)))
            #expect(aliceSeen["peerId"] as? Int64 == peerID)
            #expect(aliceSeen["endpoint"] as? String == "127.0.0.1:5001")
            #expect(aliceSeen["camera"] as? Bool == true)
            #expect(aliceSeen["mic"] as? Bool == false)

            let aliceToken = try #require(login.json["token"] as? String)
            #expect(try await api.request(.delete, "/v1/sessions/current", token: aliceToken).status == .noContent)
            #expect(try db.sql("SELECT peer_id FROM presence WHERE username = 'alice'").first?.decode("peer_id", as: Int64.self) == 0)
            #expect(buddy("alice", in: try await api.buddies(bobToken))?["peerId"] as? Int == 0)
            #expect(try await api.request(.delete, "/v1/sessions/current", token: aliceToken).status == .unauthorized)
        }
    }

    @Test func unknownUserAndWrongPasswordLookTheSame() async throws {
        try await withService { api, _, _ in
            let alice = TestUser("alice")
            try await api.register(alice)
            let wrong = try await api.login(alice, authKey: [UInt8](repeating: 9, count: 32))
            let unknown = try await api.login(TestUser("nobody"))
            #expect(wrong.status == .unauthorized)
            #expect(wrong.status == unknown.status)
            #expect(wrong.json as NSDictionary == unknown.json as NSDictionary)
            #expect(wrong.errorCode == "invalid_credentials")
        }
    }

    /// Item 3: one public key, one account.
    @Test func aPublicKeyNamesOneAccount() async throws {
        try await withService { api, _, _ in
            let alice = TestUser("alice"), bob = TestUser("bob")
            #expect(try await api.register(alice).status == .created)
            let copied = try await api.request(.post, "/v1/accounts", json: [
                "username": "bob", "realm": "juice", "authKey": b64(bob.authKey), "publicKey": b64(alice.publicKey), "sealedSecret": b64(bob.sealedSecret),
            ])
            #expect(copied.status == .conflict)
            #expect(copied.errorCode == "public_key_taken")
            #expect(try await api.register(bob).status == .created) // its own key is fine
        }
    }

    @Test func duplicateAndCaseVariantRegistrationsConflict() async throws {
        try await withService { api, _, _ in
            #expect(try await api.register(TestUser("alice")).status == .created)
            let again = try await api.register(TestUser("alice"))
            #expect(again.status == .conflict)
            #expect(again.errorCode == "username_taken")
            #expect(try await api.register(TestUser("ALICE")).status == .conflict)
        }
    }

    @Test(arguments: ["", String(repeating: "a", count: 200), "ali\u{1}ce", "ali\nce", "a b c", "ab"])
    func invalidUsernamesAreRejected(_ name: String) async throws {
        try await withService { api, _, _ in
            let response = try await api.register(TestUser(name))
            #expect(response.status == .badRequest)
            #expect(response.errorCode != nil)
        }
    }

    @Test func malformedRequestsGetA400() async throws {
        try await withService { api, _, _ in
            for raw in ["{bad", "[]", #"{"username": 5}"#, #"{"username":"alice"}"#, "", #"{"username":"alice","realm":"juice","authKey":"not base64!","publicKey":"","sealedSecret":""}"#] {
                let response = try await api.request(.post, "/v1/accounts", raw: raw)
                #expect(response.status == .badRequest, "\(raw) -> \(response.status)")
                #expect(response.errorCode != nil)
            }
            let short = TestUser("alice")
            let response = try await api.request(.post, "/v1/sessions", json: ["username": "alice", "realm": "juice", "authKey": b64([1, 2, 3])])
            #expect(response.status == .badRequest)
            #expect(try await api.register(short, realm: "other").errorCode == "invalid_request")
            #expect(try await api.request(.get, "/v1/nowhere").status == .notFound)
        }
    }

    @Test func weakIdentityKeysAreRejected() async throws {
        try await withService { api, _, _ in
            let response = try await api.request(.post, "/v1/accounts", json: [
                "username": "alice", "realm": "juice", "authKey": b64(RandomBytes.bytes(32)),
                "publicKey": b64([UInt8](repeating: 0, count: 32)), "sealedSecret": b64(RandomBytes.bytes(72)),
            ])
            #expect(response.status == .badRequest)
        }
    }

    @Test func oversizedBodiesGetA413() async throws {
        try await withService { api, _, _ in
            let huge = #"{"username":"alice","pad":""# + String(repeating: "x", count: 200_000) + #""}"#
            let response = try await api.request(.post, "/v1/accounts", raw: huge)
            #expect(response.status == .contentTooLarge)
            #expect(response.errorCode == "body_too_large")
        }
    }

    @Test func healthReadinessAndMetrics() async throws {
        try await withService { api, _, _ in
            #expect(try await api.request(.get, "/healthz").status == .ok)
            #expect(try await api.request(.get, "/readyz").status == .ok)
            _ = try await api.login(TestUser("nobody"))
            let metrics = try await api.request(.get, "/metrics")
            #expect(metrics.body.contains(#"juiced_requests_total{operation="login",status="401"} 1"#))
        }
    }
}

@Suite struct VerifierVectorTests {
    @Test func verifierMatchesTheProtocolDocument() throws {
        // docs/protocol.md, section 1.5: authKey 00..1f, verifier salt 01..01.
        let hash = unhex("8e4c301c456756f48bac41a76c6416e6ad510c3ee0c14e3d168afdd17c684eb2")
        let verifier = AuthVerifier(hash: hash, salt: [UInt8](repeating: 1, count: 32))
        #expect(verifier.matches(SecretBytes(Array(0..<32))))
        #expect(!verifier.matches(SecretBytes(Array(1...32))))
        #expect(!AuthVerifier.decoy.matches(SecretBytes(Array(0..<32))))
    }
}
