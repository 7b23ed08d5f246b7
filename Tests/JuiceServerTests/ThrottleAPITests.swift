import Foundation
import HTTPTypes
@testable import JuiceServer
import JuiceTestSupport
import Sodium
import Testing

/// The one throttle for every check of a password-derived key (issue 8, items 6, 7 and 9).
@Suite struct ThrottleAPITests {
    /// Item 7: one stranger's address gets at most 3 guesses in a window, even the right
    /// password is refused there, and alice still logs in from another address.
    @Test func aStrangerGetsThreeGuessesAndCannotLockTheOwnerOut() async throws {
        try await withService { api, _, _ in
            let alice = TestUser("alice")
            try await api.register(alice)
            var statuses: [Int] = []
            for _ in 0..<12 { statuses.append(Int(try await api.login(alice, authKey: RandomBytes.bytes(32)).status.code)) }
            #expect(statuses.filter { $0 == 401 }.count == 3, "\(statuses)")
            #expect(statuses.dropFirst(3).allSatisfy { $0 == 429 }, "\(statuses)")
            let refused = try await api.login(alice)
            #expect(refused.status == .tooManyRequests)
            #expect((1...900).contains(Int(refused.headers[.retryAfter] ?? "") ?? 0))
            #expect(try await api.login(alice, from: "127.0.0.2") == 200)
        }
    }

    /// Item 6: concurrent guesses cannot slip through the window of 3 (before: about 12 of 40
    /// got through a window of 5), for logins and password changes alike.
    @Test func concurrentGuessesGetExactlyTheWindow() async throws {
        try await withService { api, _, _ in
            let alice = TestUser("alice"), bob = TestUser("bob")
            try await api.register(alice)
            try await api.register(bob)
            let logins = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<40 { group.addTask { Int(try await api.login(alice, authKey: RandomBytes.bytes(32)).status.code) } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(logins.filter { $0 == 401 }.count == 3, "\(logins.sorted())")
            #expect(logins.filter { $0 == 429 }.count == 37, "\(logins.sorted())")

            let token = try await api.token(bob, online: false)
            let changes = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<40 {
                    group.addTask { Int(try await api.changePassword(token, current: RandomBytes.bytes(32)).status.code) }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(changes.filter { $0 == 401 }.count == 3, "\(changes.sorted())")
            #expect(changes.filter { $0 == 429 }.count == 37, "\(changes.sorted())")
            // The right current password during the lockout changes nothing.
            #expect(try await api.changePassword(token, current: bob.authKey).status == .tooManyRequests)
            #expect(try await api.login(bob, from: "127.0.0.3") == 200)
        }
    }

    /// Past the per-name ceiling, only addresses the user logged in from before may try.
    @Test func theCeilingSparesTheOwnersKnownAddresses() async throws {
        try await withService { api, db, _ in
            let alice = TestUser("alice")
            try await api.register(alice)
            #expect(try await api.login(alice, from: "127.0.0.4") == 200) // alice's usual address
            for (address, guesses) in [("127.0.0.1", 3), ("127.0.0.2", 2)] {
                for _ in 0..<guesses { #expect(try await api.login(alice, authKey: RandomBytes.bytes(32), from: address) == 401) }
            }
            #expect(try await api.login(alice, from: "127.0.0.3") == 429) // new address, ceiling of 5 reached
            #expect(try await api.login(alice, from: "127.0.0.4") == 200)
            // A known address in use is kept fresh (the reaper forgets those unused for 90 days).
            _ = try db.sql("UPDATE known_sources SET last_success_at = now() - interval '2 days'")
            #expect(try await api.login(alice, from: "127.0.0.4") == 200)
            let fresh = try db.sql("SELECT count(*) AS n FROM known_sources WHERE last_success_at > now() - interval '1 minute'").first
            #expect(try fresh?.decode("n", as: Int.self) == 1)
        }
    }

    /// Behind a trusted proxy the throttle counts the client's forwarded address; from anyone
    /// else the header is ignored, so it cannot be used to dodge the throttle.
    @Test func forwardedAddressesCountOnlyFromATrustedProxy() async throws {
        let alice = TestUser("alice")
        @Sendable func from(_ address: String) -> HTTPFields { [HTTPField.Name("X-Forwarded-For")!: "203.0.113.9, \(address)"] }
        try await withService({ $0.trustedProxies = ["127.0.0.1"] }) { api, _, _ in
            try await api.register(alice)
            for _ in 0..<3 { #expect(try await api.login(alice, authKey: RandomBytes.bytes(32), headers: from("198.51.100.7")).status == .unauthorized) }
            #expect(try await api.login(alice, headers: from("198.51.100.7")).status == .tooManyRequests)
            #expect(try await api.login(alice, headers: from("198.51.100.8")).status == .ok)
        }
        try await withService { api, _, _ in
            try await api.register(alice)
            for _ in 0..<3 { #expect(try await api.login(alice, authKey: RandomBytes.bytes(32), headers: from("198.51.100.7")).status == .unauthorized) }
            #expect(try await api.login(alice, headers: from("198.51.100.8")).status == .tooManyRequests) // both were 127.0.0.1
        }
    }

    /// Item 9: one address spraying made-up names is bounded too.
    @Test func anAddressSprayingNamesIsBounded() async throws {
        try await withService({ $0.accounts.throttle.perSource = 8 }) { api, db, _ in
            for index in 0..<8 { #expect(try await api.login(TestUser("ghost\(index)")).status == .unauthorized) }
            #expect(try await api.login(TestUser("ghost99")).status == .tooManyRequests)
            #expect(try await api.login(TestUser("ghost100"), from: "127.0.0.2") == 401)
            let rows = try db.sql("SELECT count(*) AS n FROM auth_failures").first?.decode("n", as: Int.self)
            #expect(rows == 8 + 8 + 1 + 3) // per name and address and per name for each ghost, per address; then ghost100 from .2
        }
    }

    /// Item 9: a user holds a bounded number of command tokens; a new one ends the oldest.
    @Test func commandTokensAreBounded() async throws {
        try await withService({ $0.accounts.maxCommandSessions = 3 }) { api, db, _ in
            let alice = TestUser("alice")
            try await api.register(alice)
            var tokens: [String] = []
            for _ in 0..<5 { tokens.append(try await api.token(alice, online: false)) }
            #expect(try db.sql("SELECT count(*) AS n FROM sessions").first?.decode("n", as: Int.self) == 3)
            for (index, token) in tokens.enumerated() {
                let status = try await api.request(.get, "/v1/buddies", token: token).status
                #expect(status == (index < 2 ? .unauthorized : .ok), "token \(index)")
            }
        }
    }
}

extension APIClient {
    /// `PUT /v1/account/password` with `current` as the current auth key.
    func changePassword(_ token: String, current: [UInt8]) async throws -> APIResponse {
        try await request(.put, "/v1/account/password", token: token, json: [
            "currentAuthKey": b64(current), "newAuthKey": b64(RandomBytes.bytes(32)), "sealedSecret": b64(RandomBytes.bytes(72)),
        ])
    }
}
