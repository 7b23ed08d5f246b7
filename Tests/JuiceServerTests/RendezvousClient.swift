import Foundation
import JuiceTestSupport
import Testing

/// A rendezvous stream as a client holds it: a login with `Accept: application/jsonl` on a raw
/// socket, its chunked body decoded into JSON lines as they arrive.
struct RendezvousClient: Sendable {
    let connection: RawConnection

    /// Sends the login `body` to `127.0.0.1:<port>` asking for the stream.
    static func open(port: Int, body: [String: Any], accept: String = "application/jsonl") async throws -> RendezvousClient {
        let connection = try await RawConnection(port: port)
        let json = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        try await connection.send(
            "POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: \(accept)\r\n"
                + "Content-Length: \(json.utf8.count)\r\n\r\n" + json
        )
        return RendezvousClient(connection: connection)
    }

    /// Resumes a stream with the session's `token` on `127.0.0.1:<port>`.
    static func resume(port: Int, token: String, accept: String = "application/jsonl") async throws -> RendezvousClient {
        let connection = try await RawConnection(port: port)
        try await connection.send(
            "GET /v1/sessions/current/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(token)\r\nAccept: \(accept)\r\n\r\n"
        )
        return RendezvousClient(connection: connection)
    }

    /// Logs `user` in on `api`'s server with the stream and waits for its first line.
    static func login(_ user: TestUser, on api: APIClient) async throws -> (RendezvousClient, [String: Any]) {
        let stream = try await open(port: api.port, body: api.loginBody(user))
        let first = try #require(await stream.line(within: .seconds(15)) { $0["type"] as? String == "login" }?.line, "no login line")
        return (stream, first)
    }

    /// The response head, once it arrived.
    var head: String? {
        let text = connection.text
        return text.range(of: "\r\n\r\n").map { String(text[..<$0.lowerBound]) }
    }

    /// The response head, waiting at most `timeout` for it.
    func head(within timeout: Duration) async -> String? {
        let start = ContinuousClock.now
        while head == nil, ContinuousClock.now - start < timeout { try? await Task.sleep(for: .milliseconds(10)) }
        return head
    }

    /// Every complete line so far, parsed (the chunked framing decoded byte by byte).
    var lines: [[String: Any]] {
        let bytes = Array(connection.text.utf8), crlf: [UInt8] = [13, 10]
        func find(_ needle: [UInt8], from start: Int) -> Int? {
            guard bytes.count >= needle.count else { return nil }
            return (start..<max(start, bytes.count - needle.count + 1)).first { Array(bytes[$0..<$0 + needle.count]) == needle }
        }
        guard let headEnd = find(crlf + crlf, from: 0) else { return [] }
        var position = headEnd + 4, data: [UInt8] = []
        while let sizeEnd = find(crlf, from: position),
              let size = Int(String(decoding: bytes[position..<sizeEnd], as: UTF8.self), radix: 16), size > 0,
              sizeEnd + 2 + size + 2 <= bytes.count {
            data += bytes[(sizeEnd + 2)..<(sizeEnd + 2 + size)]
            position = sizeEnd + 2 + size + 2
        }
        return data.split(separator: 10).compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0))) as? [String: Any]
        }
    }

    /// The first line that `matches`, waiting at most `timeout`; with how long it took.
    func line(within timeout: Duration, where matches: ([String: Any]) -> Bool) async -> (line: [String: Any], after: Duration)? {
        let start = ContinuousClock.now
        while ContinuousClock.now - start < timeout {
            if let line = lines.first(where: matches) { return (line, ContinuousClock.now - start) }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return lines.first(where: matches).map { ($0, ContinuousClock.now - start) }
    }

    /// The first line of a type about a user.
    func event(_ type: String, _ username: String, within timeout: Duration) async -> (line: [String: Any], after: Duration)? {
        await line(within: timeout) { $0["type"] as? String == type && $0["username"] as? String == username }
    }

    /// Closes the connection from the client's side, as a crashed client's kernel does.
    func close() async { await connection.close() }
}

extension APIClient {
    /// Registers two users and makes them buddies.
    func registerBuddies(_ first: String, _ second: String) async throws -> (TestUser, TestUser) {
        let a = TestUser(first), b = TestUser(second)
        try await register(a)
        try await register(b)
        try await makeBuddies(a, b)
        return (a, b)
    }
}
