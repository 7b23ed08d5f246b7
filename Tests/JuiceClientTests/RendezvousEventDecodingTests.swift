import Foundation
import HTTPTypes
@testable import JuiceClient
import JuiceCore
import OpenAPIRuntime
import Testing

/// Each rendezvous line becomes one event or is skipped, and a line out of place or missing
/// what its type needs is an error (the stream is then resumed), as protocol.md 2.3.1 says.
@Suite struct RendezvousEventDecodingTests {
    static let key = Data(repeating: 7, count: 32).base64EncodedString()
    static let token = String(repeating: "T", count: 43)
    static let lease = #"{"peerId":9,"leaseSeconds":60,"leaseExpiresAt":"2026-11-21T16:54:01Z"}"#
    static let bob = #"{"username":"bob","relation":"accepted","publicKey":"\#(key)","peerId":42,"endpoint":"127.0.0.1:4000","status":"online","camera":true,"mic":false}"#
    static let login = #"{"type":"login","username":"alice","token":"\#(token)","lease":\#(lease),"identity":{"publicKey":"\#(key)","sealedSecret":"\#(Data(repeating: 1, count: 72).base64EncodedString())"},"buddies":[\#(bob)],"keepaliveSeconds":25,"resumeSeconds":5}"#
    static let resumed = #"{"type":"resumed","lease":\#(lease),"buddies":[\#(bob)]}"#
    static let introduction = #"{"type":"introduction","username":"carol","peerId":77,"publicKey":"\#(key)","endpoint":"10.0.0.2:5000","status":"away","statusText":"lunch","camera":false,"mic":true}"#

    func decode(_ line: String, first: Bool = false, token: BearerTokenMiddleware = BearerTokenMiddleware()) throws(ServiceError) -> RendezvousEvent? {
        try RendezvousEvent.decode(line: ArraySlice(line.utf8), first: first, token: token)
    }

    /// The `Authorization` header `token` now puts on a request.
    func authorization(_ token: BearerTokenMiddleware) async throws -> String? {
        let sent = Locked<String?>(nil)
        _ = try await token.intercept(HTTPRequest(method: .get, scheme: "http", authority: "x", path: "/"), body: nil, baseURL: URL(string: "http://x")!, operationID: "t") { request, _, _ in
            sent.set(request.headerFields[.authorization])
            return (HTTPResponse(status: .ok), nil)
        }
        return sent.value
    }

    /// The first line is a login (its token then authenticates the session's calls) or a resume.
    @Test func theFirstLineIsALoginOrAResume() async throws {
        let token = BearerTokenMiddleware()
        guard case .login(let grant)? = try decode(Self.login, first: true, token: token) else { Issue.record("not a login"); return }
        #expect(grant.username == "alice")
        #expect(grant.lease == Lease(peerID: PeerID(rawValue: 9)!, seconds: 60))
        #expect(grant.buddies.map(\.username) == ["bob"])
        #expect(try await authorization(token) == "Bearer \(Self.token)")

        guard case .resumed(let lease, let buddies)? = try decode(Self.resumed, first: true) else { Issue.record("not a resume"); return }
        #expect(lease == Lease(peerID: PeerID(rawValue: 9)!, seconds: 60))
        #expect(buddies.map(\.peerID) == [PeerID(rawValue: 42)!])
    }

    /// Any other first line, known or not, is an error: a stream must say who it is for first.
    @Test(arguments: [introduction, #"{"type":"keepalive"}"#, #"{"type":"ended","reason":"logout"}"#, #"{"type":"credentials"}"#])
    func anyOtherFirstLineThrows(_ line: String) {
        #expect(throws: ServiceError.self) { try decode(line, first: true) }
    }

    /// A login or resume line after the first is an error, and a later login sets no token.
    @Test func aLaterLoginOrResumeThrows() async throws {
        let token = BearerTokenMiddleware()
        #expect(throws: ServiceError.self) { try decode(Self.login, token: token) }
        #expect(throws: ServiceError.self) { try decode(Self.resumed) }
        #expect(try await authorization(token) == nil)
    }

    /// Lines of a type this client does not know yet are skipped, and so are keepalives.
    @Test func unknownTypesAndKeepalivesAreSkipped() throws {
        #expect(try decode(#"{"type":"credentials","turn":{"user":"x"}}"#) == nil)
        #expect(try decode(#"{"type":"keepalive"}"#) == nil)
    }

    /// An introduction becomes an accepted buddy entry with every field.
    @Test func anIntroductionIsAnAcceptedBuddy() throws {
        guard case .introduction(let entry)? = try decode(Self.introduction) else { Issue.record("not an introduction"); return }
        #expect(entry == BuddyEntry(
            username: "carol", relation: .accepted, publicKey: Array(repeating: 7, count: 32), peerID: PeerID(rawValue: 77)!,
            endpoint: "10.0.0.2:5000", status: .away, statusText: "lunch", capabilities: Capabilities(camera: false, mic: true)
        ))
    }

    /// An introduction without the key to dial with, the name or the peer ID is an error.
    @Test(arguments: ["publicKey", "username", "peerId"])
    func anIntroductionMissingAFieldThrows(_ field: String) throws {
        var object = try #require(try JSONSerialization.jsonObject(with: Data(Self.introduction.utf8)) as? [String: Any])
        object[field] = nil
        let line = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
        #expect(throws: ServiceError.self) { try decode(line) }
    }

    /// A departure names the buddy and the peer ID that left (0 when the server leaves it out).
    @Test func aDepartureMapsUsernameAndPeerID() throws {
        guard case .departure(let name, let peer)? = try decode(#"{"type":"departure","username":"bob","peerId":42}"#) else { Issue.record("not a departure"); return }
        #expect(name == "bob")
        #expect(peer == PeerID(rawValue: 42)!)
        guard case .departure(_, let none)? = try decode(#"{"type":"departure","username":"bob"}"#) else { Issue.record("not a departure"); return }
        #expect(none == .offline)
        #expect(throws: ServiceError.self) { try decode(#"{"type":"departure","peerId":42}"#) }
    }

    /// `ended` carries its reason.
    @Test func endedCarriesItsReason() throws {
        guard case .ended(let reason)? = try decode(#"{"type":"ended","reason":"replaced"}"#) else { Issue.record("not ended"); return }
        #expect(reason == "replaced")
    }

    /// Fields this client does not know are ignored, in every line type.
    @Test func unknownFieldsAreIgnored() throws {
        let extra = #","candidates":[{"type":"srflx","address":"203.0.113.1:1"}],"future":{"x":1}}"#
        func widened(_ line: String) -> String { String(line.dropLast()) + extra }
        guard case .login? = try decode(widened(Self.login), first: true) else { Issue.record("login"); return }
        guard case .resumed? = try decode(widened(Self.resumed), first: true) else { Issue.record("resumed"); return }
        guard case .introduction(let entry)? = try decode(widened(Self.introduction)) else { Issue.record("introduction"); return }
        #expect(entry.username == "carol")
        guard case .departure? = try decode(widened(#"{"type":"departure","username":"bob","peerId":42}"#)) else { Issue.record("departure"); return }
        #expect(try decode(widened(#"{"type":"keepalive"}"#)) == nil)
    }

    /// What is not a JSON object with a string `type` is an error, never a crash or a skip.
    @Test(arguments: ["", "null", "[]", "{}", #"{"type":3}"#, #"{"type":"introduction""#, "\u{FF}"])
    func garbageThrows(_ line: String) {
        #expect(throws: ServiceError.self) { try decode(line) }
    }
}

/// A value behind a lock, for a closure that reports back.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func set(_ value: Value) { lock.withLock { stored = value } }
}
