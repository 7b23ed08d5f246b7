import Foundation
import HTTPTypes
import JuiceAPI
@testable import JuiceServer
import OpenAPIRuntime
import Sodium
import Testing

/// The login reply is written by hand (`LoginResponse.jsonBytes()`); these tests hold it to the
/// generated `Codable` and check the requests the fast path hands back to the generated code.
@Suite struct LoginFastPathTests {
    static let awkward = ["", "alice", "quote \" backslash \\ slash /", "\u{0}\u{1}\u{1f}\n\r\t\u{8}\u{c}", "é 😀 \u{7f} \u{2028}", "[\"{}\"]:,"]

    static func reply(_ index: Int) -> Components.Schemas.LoginResponse {
        let text = { (offset: Int) in awkward[(index + offset) % awkward.count] }
        let buddies = (0..<(index % 4) * 3).map { n in
            Components.Schemas.Buddy(
                username: "buddy\(n)", relation: Components.Schemas.Relation.allCases[n % 3],
                publicKey: n % 2 == 0 ? .init(RandomBytes.bytes(32)) : nil, peerId: n % 3 == 0 ? 0 : Int64(n) << 40,
                endpoint: n % 2 == 0 ? "[::1]:\(4000 + n)" : nil, status: Components.Schemas.BuddyStatus.allCases[n % 4],
                statusText: n % 3 == 1 ? nil : text(n), camera: n % 2 == 0, mic: n % 3 == 0
            )
        }
        let waiting: [Components.Schemas.WaitingMessage]? = index % 2 == 0 ? nil : (0..<index).map { n in
            .init(seq: Int64(n + 1), from: "buddy\(n)", queuedAt: Date(timeIntervalSince1970: 1_700_000_000 + Double(n)), envelope: .init(RandomBytes.bytes(74 + n)))
        }
        let receipts: [Components.Schemas.Receipt]? = index % 4 < 2 ? nil : (0..<index).map { n in
            let state: Components.Schemas.Receipt.StatePayload = n % 2 == 0 ? .delivered : .expired
            return .init(seq: Int64(n + 7), to: "buddy\(n)", id: .init(RandomBytes.bytes(16)), state: state, at: Date(timeIntervalSince1970: 1_700_000_000 + Double(n)))
        }
        return .init(
            username: text(0), token: text(1),
            lease: .init(peerId: index == 0 ? 0 : (1 << 53) - 1, leaseSeconds: .max, leaseExpiresAt: Date(timeIntervalSince1970: 1_700_000_000 + Double(index))),
            identity: .init(publicKey: .init(RandomBytes.bytes(32)), sealedSecret: .init(RandomBytes.bytes(72))),
            buddies: buddies,
            prekeysLeft: index % 3 == 0 ? nil : index, waiting: waiting, receipts: receipts
        )
    }

    @Test(arguments: 0..<12)
    func theReplyIsTheDocumentTheGeneratedEncoderWrites(_ index: Int) throws {
        let reply = Self.reply(index)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(ISO8601FormatStyleTranscoder().encode(date))
        }
        let generated = try JSONSerialization.jsonObject(with: try encoder.encode(reply)) as? NSDictionary
        let written = try JSONSerialization.jsonObject(with: Data(reply.jsonBytes())) as? NSDictionary
        #expect(written != nil)
        #expect(written == generated)

        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in try ISO8601FormatStyleTranscoder().decode(try decoder.singleValueContainer().decode(String.self)) }
        #expect(try decoder.decode(Components.Schemas.LoginResponse.self, from: Data(reply.jsonBytes())) == reply)
    }

    @Test func requestsOutOfTheOrdinaryGetTheGeneratedErrors() async throws {
        try await withService { api, _, _ in
            let alice = TestUser("alice")
            try await api.register(alice)
            let wrongType = try await api.request(.post, "/v1/sessions", raw: #"{"username":5}"#)
            #expect(wrongType.status == .badRequest)
            #expect(wrongType.body.contains("wrong type at username"))
            #expect(try await api.request(.post, "/v1/sessions", raw: "{bad").errorCode == "malformed_request")
            let plain = try await api.login(alice, headers: [.contentType: "text/plain"])
            #expect((400..<500).contains(plain.status.code))
            #expect(plain.errorCode == "malformed_request")
            let charset = try await api.login(alice, headers: [.contentType: "application/json; charset=utf-8", .accept: "text/html;q=0.5, application/json"])
            #expect(charset.status == .ok)
            #expect(charset.headers[.contentType] == "application/json; charset=utf-8")
        }
    }

    @Test func anAcceptHeaderWithoutJSONGetsA406AndNoSession() async throws {
        try await withService { api, db, _ in
            let alice = TestUser("alice")
            try await api.register(alice)
            let refused = try await api.login(alice, headers: [.accept: "text/html"])
            #expect(refused.status == .notAcceptable)
            #expect(refused.errorCode == "malformed_request")
            let online = try db.sql("SELECT count(*) AS n FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE a.username = 'alice'")
            #expect(try online.first?.decode("n", as: Int.self) == 0)

            let token = try await api.token(alice)
            let buddies = try await api.request(.get, "/v1/buddies", token: token, headers: [.accept: "text/html"])
            #expect(buddies.status == .notAcceptable)
            #expect(buddies.errorCode == "malformed_request")

            // Refused before the operation runs, whichever operation it is.
            let bob = TestUser("bob")
            let register = try await api.request(.post, "/v1/accounts", json: [
                "username": bob.name, "realm": "juice", "authKey": b64(bob.authKey),
                "publicKey": b64(bob.publicKey), "sealedSecret": b64(bob.sealedSecret),
            ], headers: [.accept: "text/html"])
            #expect(register.status == .notAcceptable)
            #expect(try db.sql("SELECT count(*) AS n FROM accounts WHERE username = 'bob'").first?.decode("n", as: Int.self) == 0)
        }
    }

    @Test func base64URLRoundTripsAndRejectsOtherAlphabets() {
        for length in 0...40 {
            let bytes = RandomBytes.bytes(length)
            let text = Base64URL.encode(bytes)
            #expect(!text.contains { "+/=".contains($0) })
            #expect(text == Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: ""))
            #expect(Base64URL.decode(text[...]) == bytes)
        }
        for bad in ["ab+c", "ab/c", "abc=", "ab c", "abé", "a"] { #expect(Base64URL.decode(bad[...]) == nil, "\(bad)") }
    }
}
