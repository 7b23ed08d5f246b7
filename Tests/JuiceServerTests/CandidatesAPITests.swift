import Foundation
@testable import JuiceServer
import JuiceTestSupport
import Testing

/// Candidates (docs/reachability.md 3): stated at login, checked by juiced, stored, and shown
/// only to accepted buddies while online, in the buddy list, the login snapshot and the
/// rendezvous stream's introductions.
@Suite struct CandidatesAPITests {
    static let candidates: [[String: String]] = [
        ["type": "host", "address": "10.0.1.2:7000"], ["type": "srflx", "address": "203.0.113.1:7000"],
        ["type": "relay", "address": "[2001:db8::20]:50000"],
    ]

    func login(_ api: APIClient, _ user: TestUser, candidates: [[String: String]]) async throws -> APIResponse {
        var body = api.loginBody(user)
        body["candidates"] = candidates
        return try await api.request(.post, "/v1/sessions", json: body)
    }

    @Test func candidatesReachAcceptedBuddiesOnlyAndOnlyWhileOnline() async throws {
        try await withService { api, db, _ in
            let alice = TestUser("alice"), bob = TestUser("bob"), carol = TestUser("carol")
            for user in [alice, bob, carol] { try await api.register(user) }
            try await api.makeBuddies(alice, bob)
            let carolToken = try await api.token(carol)
            #expect(try await api.request(.put, "/v1/buddies/alice", token: carolToken).status == .ok)

            let aliceLogin = try await login(api, alice, candidates: Self.candidates)
            #expect(aliceLogin.status == .ok, "\(aliceLogin.body)")
            let bobView = try #require(buddy("alice", in: try await api.buddies(try await api.token(bob))))
            let seen = (bobView["candidates"] as? [[String: String]])?.map { "\($0["type"]!) \($0["address"]!)" }
            #expect(seen == ["host 10.0.1.2:7000", "srflx 203.0.113.1:7000", "relay [2001:db8::20]:50000"])
            #expect(buddy("alice", in: try await api.buddies(carolToken))?["candidates"] == nil, "a pending request sees no candidate")

            // A streamed login of bob gets them in its snapshot, and her next login's in an introduction.
            let (stream, first) = try await RendezvousClient.login(bob, on: api)
            let snapshot = try #require(buddy("alice", in: first["buddies"] as? [[String: Any]] ?? []))
            #expect((snapshot["candidates"] as? [[String: String]])?.count == 3)
            #expect(try await login(api, alice, candidates: [["type": "srflx", "address": "203.0.113.1:7001"]]).status == .ok)
            let introduction = try #require(await stream.line(within: .seconds(10)) {
                $0["type"] as? String == "introduction" && ($0["candidates"] as? [[String: String]])?.first?["address"] == "203.0.113.1:7001"
            }, "no introduction with the new candidate: \(stream.lines)")
            #expect((introduction.line["candidates"] as? [[String: String]])?.count == 1)

            let token = try #require(try await login(api, alice, candidates: Self.candidates).json["token"] as? String)
            #expect(try await api.request(.delete, "/v1/sessions/current", token: token).status == .noContent)
            #expect(buddy("alice", in: try await api.buddies(try await api.token(bob)))?["candidates"] == nil, "offline: none shown")
            _ = db
        }
    }

    /// Candidates published later (a relay allocated after the login) go in a renewal: the
    /// buddy's stream gets an introduction with them and the same peer ID.
    @Test func aRenewalWithCandidatesIntroducesThemAgain() async throws {
        try await withService { api, _, _ in
            let alice = TestUser("alice"), bob = TestUser("bob")
            for user in [alice, bob] { try await api.register(user) }
            try await api.makeBuddies(alice, bob)
            let aliceLogin = try await login(api, alice, candidates: [["type": "srflx", "address": "203.0.113.1:7000"]])
            let token = try #require(aliceLogin.json["token"] as? String)
            let peerID = try #require((aliceLogin.json["lease"] as? [String: Any])?["peerId"] as? Int64)
            let (stream, _) = try await RendezvousClient.login(bob, on: api)
            let renewed = try await api.request(.post, "/v1/sessions/current/renew", token: token, json: ["candidates": Self.candidates])
            #expect(renewed.status == .ok, "\(renewed.body)")
            let introduction = try #require(await stream.line(within: .seconds(10)) {
                $0["type"] as? String == "introduction" && ($0["candidates"] as? [[String: String]])?.count == 3
            }, "\(stream.lines)")
            #expect(introduction.line["peerId"] as? Int64 == peerID)
            let bad = try await api.request(.post, "/v1/sessions/current/renew", token: token, json: ["candidates": [["type": "host", "address": "10.0.0.1:22"]]])
            #expect(bad.status == .badRequest)
            let seen = (buddy("alice", in: try await api.buddies(try await api.token(bob, online: false)))?["candidates"] as? [[String: String]])?.count
            #expect(seen == 3, "a refused renewal changes nothing")
        }
    }

    @Test(arguments: [
        (["type": "host", "address": "10.0.1.2:80"], "port"),
        (["type": "host", "address": "example.com:7000"], "IP"),
        (["type": "host", "address": "224.0.0.1:7000"], "multicast"),
        (["type": "host", "address": "169.254.0.9:7000"], "link-local"),
        (["type": "host", "address": "0.0.0.0:7000"], "unspecified"),
        (["type": "host", "address": "[fe80::1]:7000"], "link-local"),
        (["type": "peer", "address": "10.0.1.2:7000"], ""),
    ] as [([String: String], String)])
    func aBadCandidateRefusesTheLogin(_ candidate: [String: String], _ reason: String) async throws {
        try await withService { api, db, _ in
            let alice = TestUser("alice")
            try await api.register(alice)
            let response = try await login(api, alice, candidates: [candidate])
            #expect(response.status == .badRequest, "\(response.body)")
            #expect(response.json["message"] as? String ?? "" != "")
            if !reason.isEmpty { #expect((response.json["message"] as? String ?? "").contains(reason), "\(response.body)") }
            #expect(try db.sql("SELECT peer_id FROM presence WHERE username = 'alice'").first?.decode("peer_id", as: Int64.self) == 0, "nothing stored")
        }
    }

    @Test func tooManyOrRepeatedCandidatesRefuseTheLogin() async throws {
        try await withService { api, _, _ in
            let alice = TestUser("alice")
            try await api.register(alice)
            let nine = (1...9).map { ["type": "host", "address": "10.0.0.\($0):7000"] }
            #expect(try await login(api, alice, candidates: nine).status == .badRequest)
            let twice = [["type": "host", "address": "10.0.0.1:7000"], ["type": "srflx", "address": "10.0.0.1:7000"]]
            let repeated = try await login(api, alice, candidates: twice)
            #expect(repeated.status == .badRequest)
            #expect((repeated.json["message"] as? String ?? "").contains("twice"), "\(repeated.body)")
            #expect(try await login(api, alice, candidates: [["type": "host", "address": "127.0.0.1:7000"]]).status == .ok, "loopback from a loopback client")
        }
    }
}
