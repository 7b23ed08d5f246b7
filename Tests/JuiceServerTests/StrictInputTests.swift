import Foundation
import HTTPTypes
@testable import JuiceServer
import JuiceTestSupport
import Testing

/// Input the generated code would take leniently is refused, against the live service.
@Suite struct StrictInputTests {
    /// Each is a 32-byte key spelled in a way strict base64 refuses (Foundation's lenient mode,
    /// which the OpenAPI runtime uses, would decode every one of them).
    static func badSpellings(of key: [UInt8]) -> [String] {
        let good = b64(key)
        return [
            "!" + good, good.replacingOccurrences(of: "=", with: ""), good + "==", String(good.prefix(20)) + " " + String(good.dropFirst(20)),
            String(good.prefix(20)) + "\n" + String(good.dropFirst(20)), "*" + good + "*",
            b64([0xfb] + key.dropFirst()).replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_"),
        ]
    }

    @Test func base64WithCharactersOutsideTheAlphabetOrWrongPaddingIsRefused() async throws {
        try await withService { api, db, _ in
            let alice = TestUser("alice")
            for spelling in Self.badSpellings(of: alice.authKey) {
                let response = try await api.request(.post, "/v1/accounts", json: [
                    "username": alice.name, "realm": "juice", "authKey": spelling,
                    "publicKey": b64(alice.publicKey), "sealedSecret": b64(alice.sealedSecret),
                ])
                #expect(response.status == .badRequest, "\(spelling.debugDescription) -> \(response.status)")
                #expect(response.errorCode == "malformed_request")
                #expect(!response.body.contains(spelling), "the error echoes the key")
            }
            #expect(try db.sql("SELECT count(*) AS n FROM accounts").first?.decode("n", as: Int.self) == 0)

            #expect(try await api.register(alice).status == .created)
            for spelling in Self.badSpellings(of: alice.authKey) {
                let body: [String: Any] = ["username": alice.name, "realm": "juice", "authKey": spelling, "online": false]
                let response = try await api.request(.post, "/v1/sessions", json: body)
                #expect(response.status == .badRequest, "\(spelling.debugDescription) -> \(response.status)")
            }
            #expect(try await api.login(alice).status == .ok)
        }
    }

    @Test func theBase64FieldListMatchesTheOpenAPIDocument() throws {
        let document = try String(contentsOf: URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/JuiceAPI/openapi.yaml"), encoding: .utf8)
        let lines = document.split(separator: "\n")
        let keyFields = lines.indices.compactMap { index -> String? in
            let line = lines[index]
            let byteString = ["Key", "SealedSecret", "MessageID", "Envelope"].contains { line.contains("$ref: '#/components/schemas/\($0)'") }
            guard byteString, let colon = line.firstIndex(of: ":") else { return nil }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces)
            if name == "items" { // an array of them: the property two spaces out
                let indent = line.prefix { $0 == " " }.count
                let property = lines[..<index].last { $0.prefix { $0 == " " }.count == indent - 2 }
                return property?.split(separator: ":").first?.trimmingCharacters(in: .whitespaces)
            }
            return name.hasPrefix("$") ? nil : name
        }
        #expect(Set(keyFields) == StrictJSON.base64Fields)
    }

    @Test(arguments: ["*/*", "application/*", "text/plain", "application/json; charset=latin1", "application/jsonx", "application/json, text/plain"])
    func aBodyThatIsNotApplicationJSONGetsA415(_ contentType: String) async throws {
        try await withService { api, _, _ in
            let alice = TestUser("alice")
            #expect(try await api.register(alice).status == .created)
            let login = try await api.login(alice, headers: [.contentType: contentType])
            #expect(login.status == .unsupportedMediaType, "\(contentType) -> \(login.status)")
            #expect(login.errorCode == "malformed_request")
            let register = try await api.request(.post, "/v1/accounts", raw: #"{"username":"bob"}"#, headers: [.contentType: contentType])
            #expect(register.status == .unsupportedMediaType)
            #expect(try await api.login(alice, headers: [.contentType: "Application/JSON; charset=UTF-8"]).status == .ok)
        }
    }

    @Test func aBodyWithoutContentTypeGetsA415() async throws {
        try await withService { api, _, _ in
            let connection = try await RawConnection(port: api.port)
            let body = #"{"username":"alice","realm":"juice","authKey":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=","online":false}"#
            try await connection.send("POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
            #expect(await connection.waitForClose(within: .seconds(5)) != nil)
            #expect(connection.text.hasPrefix("HTTP/1.1 415 "), "\(connection.text.prefix(100))")
        }
    }

    @Test(arguments: ["online", "camera", "mic", "endpoint", "status", "statusText"])
    func nullInALoginIsRefusedNotReadAsAbsent(_ field: String) async throws {
        try await withService { api, db, _ in
            let alice = TestUser("alice")
            #expect(try await api.register(alice).status == .created)
            var body: [String: Any] = ["username": alice.name, "realm": "juice", "authKey": b64(alice.authKey), "endpoint": "127.0.0.1:4000"]
            body[field] = NSNull()
            let response = try await api.request(.post, "/v1/sessions", json: body)
            #expect(response.status == .badRequest, "\(field): null -> \(response.status)")
            #expect(response.errorCode == "malformed_request")
            #expect(response.body.contains(field))
            #expect(try db.sql("SELECT count(*) AS n FROM sessions").first?.decode("n", as: Int.self) == 0)
        }
    }

    @Test func nullInARenewIsRefused() async throws {
        try await withService { api, _, _ in
            let alice = TestUser("alice")
            #expect(try await api.register(alice).status == .created)
            let token = try await api.token(alice)
            for field in ["camera", "mic", "endpoint"] {
                let response = try await api.request(.post, "/v1/sessions/current/renew", token: token, json: [field: NSNull()])
                #expect(response.status == .badRequest, "\(field): null -> \(response.status)")
            }
            #expect(try await api.request(.post, "/v1/sessions/current/renew", token: token, json: ["camera": true]).status == .ok)
        }
    }

    @Test(arguments: ["127.0.0.1:+80", "127.0.0.1:-80", "127.0.0.1: 80", "127.0.0.1:000080", "127.0.0.1:٨٠"])
    func aPortThatIsNotPlainDigitsIsRefused(_ endpoint: String) async throws {
        try await withService { api, _, _ in
            let alice = TestUser("alice")
            #expect(try await api.register(alice).status == .created)
            let login = try await api.login(alice, endpoint: endpoint)
            #expect(login.status == .badRequest, "\(endpoint) -> \(login.status)")
            #expect(login.errorCode == "invalid_request")
            let token = try await api.token(alice)
            let renew = try await api.request(.post, "/v1/sessions/current/renew", token: token, json: ["endpoint": endpoint])
            #expect(renew.status == .badRequest)
        }
    }
}
