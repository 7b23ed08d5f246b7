import Foundation
import HTTPTypes
@testable import JuiceServer
import Testing

/// The served OpenAPI document, and the statuses for requests outside it (issue 8, item 15).
@Suite struct OpenAPIDocumentTests {
    @Test func juicedServesTheDocumentItWasBuiltFrom() async throws {
        let source = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/JuiceAPI/openapi.yaml")
        let expected = try String(contentsOf: source, encoding: .utf8)
        try await withService { api, _, _ in
            let response = try await api.request(.get, "/openapi.yaml")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/yaml")
            #expect(response.body == expected)
            #expect(try await api.request(.get, "/openapi.yaml", headers: [.accept: "application/yaml"]).status == .ok)
            #expect(try await api.request(.get, "/openapi.yaml", headers: [.accept: "application/json"]).status == .notAcceptable)
        }
    }

    @Test func anUnknownMethodOnAKnownPathIsA405ThatNamesTheAllowedOnes() async throws {
        try await withService { api, _, _ in
            let cases: [(HTTPRequest.Method, String, Set<String>)] = [
                (.trace, "/v1/buddies/alice", ["PUT", "DELETE"]),
                (.options, "/v1/buddies/alice/accept", ["POST"]),
                (.patch, "/v1/sessions/current", ["DELETE"]),
                (.get, "/v1/accounts", ["POST"]),
                (.trace, "/healthz", ["GET"]),
                (.head, "/openapi.yaml", ["GET"]),
                (HTTPRequest.Method("PROPFIND")!, "/v1/buddies", ["GET"]),
            ]
            for (method, path, allowed) in cases {
                let response = try await api.request(method, path)
                #expect(response.status == .methodNotAllowed, "\(method) \(path)")
                let allow = response.headers[.allow]?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                #expect(allow.map(Set.init) == allowed, "\(method) \(path): Allow \(response.headers[.allow] ?? "missing")")
                if method != .head { #expect(response.errorCode == "method_not_allowed") }
            }
            // Unknown paths stay 404, whatever the method; known ones still answer.
            #expect(try await api.request(.trace, "/v1/nowhere").status == .notFound)
            #expect(try await api.request(.get, "/v1/buddies/alice/accept/more").status == .notFound)
            #expect(try await api.request(.get, "/healthz").status == .ok)
        }
    }

    @Test func aPlainTextReplyRefusesAnAcceptWithoutItsMediaType() async throws {
        try await withService { api, _, _ in
            for path in ["/healthz", "/readyz", "/metrics"] {
                let response = try await api.request(.get, path, headers: [.accept: "application/json"])
                #expect(response.status == .notAcceptable, "\(path)")
                #expect(response.errorCode == "malformed_request")
                #expect(!(response.json["message"] as? String ?? "").contains("application/json"), "\(path): \(response.body)")
            }
        }
    }
}
