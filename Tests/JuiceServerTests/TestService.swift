import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import JuiceServer
import JuiceTestSupport
import Logging
import NIOCore
import Postgres
import Sodium
import Testing

/// Runs `test` against the real application on a live socket, backed by a fresh database.
func withService(
    _ configure: (inout ServerConfiguration) -> Void = { _ in },
    _ test: @escaping @Sendable (APIClient, TestDatabase, PostgresPool) async throws -> Void
) async throws {
    let db = try await TestDatabase.create("api")
    let logger = Logger(label: "juiced-test")
    let pool = PostgresPool(configuration: db.configuration, size: 4, logger: logger)
    do {
        try await Migrator(pool: pool, logger: logger).migrate()
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.reaperInterval = .seconds(3600)
        configure(&configuration)
        let app = try buildApplication(configuration: configuration, pool: pool, logger: logger)
        try await app.test(.live) { client in try await test(APIClient(client: client), db, pool) }
    } catch {
        await pool.shutdown()
        db.drop()
        throw error
    }
    await pool.shutdown()
    db.drop()
}

/// A test user: a random auth key and a real identity key pair.
struct TestUser: Sendable {
    let name: String
    let authKey = RandomBytes.bytes(32)
    let publicKey: [UInt8]
    let sealedSecret = RandomBytes.bytes(72)

    init(_ name: String) {
        self.name = name
        publicKey = try! BoxKeyPair.generate().publicKey
    }
}

/// A JSON response.
struct APIResponse: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: String

    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:] }
    var errorCode: String? { json["error"] as? String }
}

/// Typed helpers over the live test client. Every response is checked never to be a 5xx.
struct APIClient: Sendable {
    let client: any TestClientProtocol

    /// The service's port on 127.0.0.1.
    var port: Int { client.port ?? 0 }

    func request(
        _ method: HTTPRequest.Method, _ path: String, token: String? = nil, json: [String: Any]? = nil, raw: String? = nil, headers extra: HTTPFields = [:]
    ) async throws -> APIResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        for field in extra { headers[field.name] = field.value }
        if let token { headers[.authorization] = "Bearer \(token)" }
        let body: ByteBuffer? = if let raw { ByteBuffer(string: raw) }
            else if let json { ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: json)) } else { nil }
        let response = try await client.execute(uri: path, method: method, headers: headers, body: body)
        let result = APIResponse(status: response.status, headers: response.headers, body: String(buffer: response.body))
        #expect(result.status.code < 500, "\(method) \(path) answered \(result.status.code): \(result.body)")
        return result
    }

    @discardableResult
    func register(_ user: TestUser, realm: String = "juice") async throws -> APIResponse {
        try await request(.post, "/v1/accounts", json: [
            "username": user.name, "realm": realm, "authKey": b64(user.authKey),
            "publicKey": b64(user.publicKey), "sealedSecret": b64(user.sealedSecret),
        ])
    }

    func login(
        _ user: TestUser, authKey: [UInt8]? = nil, online: Bool = true, endpoint: String = "127.0.0.1:4000", camera: Bool = false, mic: Bool = false,
        headers: HTTPFields = [:]
    ) async throws -> APIResponse {
        try await request(.post, "/v1/sessions", json: loginBody(user, authKey: authKey, online: online, endpoint: endpoint, camera: camera, mic: mic), headers: headers)
    }

    /// The JSON body of a login.
    func loginBody(_ user: TestUser, authKey: [UInt8]? = nil, online: Bool = true, endpoint: String = "127.0.0.1:4000", camera: Bool = false, mic: Bool = false) -> [String: Any] {
        var body: [String: Any] = ["username": user.name, "realm": "juice", "authKey": b64(authKey ?? user.authKey), "online": online]
        if online { body["endpoint"] = endpoint; body["camera"] = camera; body["mic"] = mic }
        return body
    }

    /// A login sent from another loopback address (`127.0.0.N`) by curl, as a second machine
    /// would; returns the HTTP status.
    func login(_ user: TestUser, authKey: [UInt8]? = nil, from address: String, online: Bool = false) async throws -> Int {
        let body = String(decoding: try JSONSerialization.data(withJSONObject: loginBody(user, authKey: authKey, online: online)), as: UTF8.self)
        let curl = try await ManagedProcess.run(URL(fileURLWithPath: "/usr/bin/curl"), [
            "-sS", "-o", "/dev/null", "-w", "%{http_code}\n", "--interface", address,
            "-H", "content-type: application/json", "--data-binary", body, "http://127.0.0.1:\(port)/v1/sessions",
        ])
        try #require(curl.status == 0, "curl failed: \(curl.error)")
        return Int(curl.output) ?? 0
    }

    /// Logs in and returns the token, failing the test if login fails.
    func token(_ user: TestUser, online: Bool = true, camera: Bool = false) async throws -> String {
        let response = try await login(user, online: online, camera: camera)
        try #require(response.status == .ok, "login failed: \(response.body)")
        return try #require(response.json["token"] as? String)
    }

    func buddies(_ token: String) async throws -> [[String: Any]] {
        let response = try await request(.get, "/v1/buddies", token: token)
        try #require(response.status == .ok, "buddy list failed: \(response.body)")
        return response.json["buddies"] as? [[String: Any]] ?? []
    }

    func makeBuddies(_ a: TestUser, _ b: TestUser) async throws {
        let ta = try await token(a, online: false)
        let tb = try await token(b, online: false)
        #expect(try await request(.put, "/v1/buddies/\(b.name)", token: ta).status == .ok)
        #expect(try await request(.post, "/v1/buddies/\(a.name)/accept", token: tb).status == .ok)
    }
}

func b64(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }

func buddy(_ name: String, in list: [[String: Any]]) -> [String: Any]? {
    list.first { $0["username"] as? String == name }
}

extension TestDatabase {
    /// Runs SQL directly, as an operator would.
    func sql(_ text: String, _ binds: [any PostgresBindable] = []) throws -> PostgresResult {
        try PostgresConnection(configuration).query(text, binds)
    }
}
