import Foundation
@testable import JuiceServer
import JuiceTestSupport
import Testing

/// Malformed HTTP/1.1 framing, sent as raw bytes over a real socket: a 400 and a closed
/// connection, never a 500, and nothing logged as an error.
@Suite struct HTTPFramingTests {
    static let head = "POST /v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"

    @Test(arguments: [
        "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", // chunk size is not hex
        "Transfer-Encoding: chunked\r\n\r\n2\r\n{\"username\":1}\r\n0\r\n\r\n", // chunk longer than declared
    ])
    func malformedChunksGetA400AndTheConnectionClosed(_ framing: String) async throws {
        try await expectBadRequest(Self.head + framing, thenStopSending: false)
    }

    @Test(arguments: [
        "Content-Length: 100\r\n\r\n{\"username\":", // fewer bytes than Content-Length
        "Transfer-Encoding: chunked\r\n\r\n20\r\n{}", // a chunk cut short, then end of stream
    ])
    func aBodyCutShortGetsA400(_ framing: String) async throws {
        try await expectBadRequest(Self.head + framing, thenStopSending: true)
    }

    private func expectBadRequest(_ bytes: String, thenStopSending: Bool) async throws {
        let logs = RecordedLogs()
        try await withService(logger: logs.logger) { api, _, _ in
            let connection = try await RawConnection(port: api.port)
            try await connection.send(bytes)
            if thenStopSending { try await connection.finishSending() }
            let closed = await connection.waitForClose(within: .seconds(5))
            #expect(closed != nil, "the server kept the connection open")
            #expect(connection.text.hasPrefix("HTTP/1.1 400 "), "answered: \(connection.text.prefix(200))")
            #expect(logs.atLeast(.error).isEmpty, "logged: \(logs.atLeast(.error).map(\.text))")
        }
    }
}
