import Foundation
import HTTPTypes
import JuiceCore
@testable import JuiceServer
import Sodium
import Testing

/// The served OpenAPI document, and the statuses for requests outside it (issue 8, item 15).
@Suite struct OpenAPIDocumentTests {
    /// `Sources/JuiceAPI/openapi.yaml` as it is in the tree.
    static let source = try! String(
        contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Sources/JuiceAPI/openapi.yaml"),
        encoding: .utf8
    )

    @Test func juicedServesTheDocumentItWasBuiltFrom() async throws {
        try await withService { api, _, _ in
            let response = try await api.request(.get, "/openapi.yaml")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/yaml")
            #expect(response.body == Self.source)
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

/// The document's string patterns accept exactly what the server's validators accept.
@Suite struct OpenAPIPatternTests {
    /// The `pattern` of `components.schemas.<name>`, as a whole-string regex.
    static func pattern(_ name: String) throws -> Regex<AnyRegexOutput> {
        let lines = OpenAPIDocumentTests.source.split(separator: "\n", omittingEmptySubsequences: false)
        let start = try #require(lines.firstIndex(of: "    \(name):"), "no schema \(name)")
        let body = lines[(start + 1)...].prefix { $0.hasPrefix("      ") }
        let line = try #require(body.first { $0.trimmingCharacters(in: .whitespaces).hasPrefix("pattern: '") }, "\(name) has no pattern")
        let quoted = line.trimmingCharacters(in: .whitespaces).dropFirst("pattern: '".count).dropLast()
        return try Regex(String(quoted))
    }

    @Test func usernamesMatchTheServersRule() throws {
        let pattern = try Self.pattern("Username")
        let samples = ["alice", "ALICE", "Bob_2", "a.b", "0-x", "abc", String(repeating: "z", count: 32),
                       "ab", String(repeating: "z", count: 33), ".abc", "_abc", "-abc", "ali ce", "alicé", "al\u{1}ce", "", "al/ce", "a\nb"]
        for sample in samples {
            let server = (try? Username(sample)) != nil
            #expect((sample.wholeMatch(of: pattern) != nil) == server, "\(sample.debugDescription): server \(server ? "accepts" : "refuses")")
        }
    }

    @Test func statusTextsMatchTheServersRule() throws {
        let pattern = try Self.pattern("StatusText")
        for sample in ["", "at lunch", "ü ☕︎", "tab\there", "nl\n", "del\u{7F}", "c1\u{85}", "nbsp\u{A0}"] {
            let server = (try? StatusText.validate(sample)) != nil
            #expect((sample.wholeMatch(of: pattern) != nil) == server, "\(sample.debugDescription): server \(server ? "accepts" : "refuses")")
        }
    }

    @Test func keysAreThirtyTwoBytesAndSealedSecretsSeventyTwoInCanonicalBase64() throws {
        let key = try Self.pattern("Key"), sealed = try Self.pattern("SealedSecret")
        for length in 0...100 {
            let text = Data(RandomBytes.bytes(length)).base64EncodedString()
            #expect((text.wholeMatch(of: key) != nil) == (length == 32), "\(length) bytes as a key")
            #expect((text.wholeMatch(of: sealed) != nil) == (length == SealedIdentity.sealedLength), "\(length) bytes as a sealed secret")
        }
        #expect("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=".wholeMatch(of: key) == nil) // stray bits after the last byte
    }
}
