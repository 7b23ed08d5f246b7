import Foundation
@testable import JuiceServer
import JuiceTestSupport
import Testing

/// Slow and idle clients on real sockets: each is closed within its timeout, and connections
/// past the cap are closed at once while normal clients are still served.
@Suite struct SlowClientTests {
    static let get = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"

    @Test func slowHeadersSlowBodiesAndIdleConnectionsAreClosedWithinTheirTimeouts() async throws {
        try await withService({ $0.connections.headerTimeout = .seconds(1); $0.connections.bodyTimeout = .milliseconds(1500); $0.connections.idleTimeout = .seconds(2) }) { api, _, _ in
            async let silent = timeline(port: api.port) { _ in }
            async let slowloris = timeline(port: api.port) { connection in
                // A header that never ends, one byte every 200 ms: the header deadline still runs from the first byte.
                for byte in (Self.get + "X-Slow: " + String(repeating: "a", count: 40)).map(String.init) {
                    guard (try? await connection.send(byte)) != nil else { return }
                    try? await Task.sleep(for: .milliseconds(200))
                }
            }
            async let slowBody = timeline(port: api.port) { connection in
                try? await connection.send("POST /v1/accounts HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{\"user")
            }
            async let keptAlive = timeline(port: api.port) { connection in
                try? await connection.send(Self.get + "\r\n")
                for _ in 0..<100 where !connection.text.contains("ok\n") { try? await Task.sleep(for: .milliseconds(20)) }
            }
            let (idle, header, body, afterResponse) = await (silent, slowloris, slowBody, keptAlive)
            expect(idle, from: \.opened, within: .seconds(2), "a silent connection (idle timeout)")
            expect(header, from: \.firstSent, within: .seconds(1), "a slowloris header (header timeout)")
            expect(body, from: \.firstSent, within: .milliseconds(1500), "a stalled body (body timeout)")
            expect(afterResponse, from: \.lastReceived, within: .seconds(2), "a kept-alive connection after its response (idle timeout)")
        }
    }

    @Test func connectionsPastTheCapAreClosedAtOnceAndNormalClientsAreServedOnceSlowOnesAreGone() async throws {
        let logs = RecordedLogs()
        // A 5 s header timeout: the three slow clients must still hold their places when the
        // surplus one arrives, which took over 2 s in a loaded parallel run.
        try await withService(logger: logs.logger, { $0.connections.maxConnections = 4; $0.connections.headerTimeout = .seconds(5) }) { api, _, _ in
            // The test client holds one connection; three slow clients take the other three places.
            #expect(try await api.request(.get, "/healthz").status == .ok)
            var slow: [RawConnection] = []
            for _ in 0..<3 {
                let connection = try await RawConnection(port: api.port)
                try await connection.send(Self.get)
                slow.append(connection)
            }
            try await Task.sleep(for: .milliseconds(200))

            let surplus = try await RawConnection(port: api.port)
            try? await surplus.send(Self.get + "\r\n")
            let refusedAfter = await surplus.waitForClose(within: .seconds(1))
            #expect(refusedAfter != nil, "a connection past the cap stayed open")
            #expect(surplus.text.isEmpty, "a connection past the cap was served: \(surplus.text.prefix(40))")
            #expect(logs.atLeast(.warning).contains { $0.text.contains("too many open") })

            for connection in slow {
                // (The timing itself is the test below's; a loaded parallel run needs slack here.)
                let closed = await connection.waitForClose(within: .seconds(8))
                #expect(closed != nil, "a slow client outlived the header timeout")
            }
            // The server forgets a connection just after closing it: give it that moment.
            try await Task.sleep(for: .milliseconds(100))
            let normal = try await RawConnection(port: api.port)
            try await normal.send(Self.get + "Connection: close\r\n\r\n")
            #expect(await normal.waitForClose(within: .seconds(2)) != nil)
            #expect(normal.text.hasPrefix("HTTP/1.1 200 "), "\(normal.text.prefix(40))")
            #expect(try await api.request(.get, "/healthz").status == .ok)
        }
    }

    /// Opens a connection, runs `behave` on it, waits at most 6 s for the server to close it, and returns what happened when.
    private func timeline(port: Int, _ behave: @escaping @Sendable (RawConnection) async -> Void) async -> RawConnection.Timeline? {
        guard let connection = try? await RawConnection(port: port) else { return nil }
        async let behaviour: Void = behave(connection)
        let closed = await connection.waitForClose(within: .seconds(6))
        await behaviour
        return closed == nil ? nil : connection.timeline
    }

    /// The server closed it no earlier than most of `timeout` after `start` and no later than
    /// `timeout` plus 1.5 s of scheduling slack.
    private func expect(_ timeline: RawConnection.Timeline?, from start: KeyPath<RawConnection.Timeline, ContinuousClock.Instant?>, within timeout: Duration, _ what: String) {
        guard let timeline, let closed = timeline.closed, let started = timeline[keyPath: start] else {
            Issue.record("\(what) was never closed")
            return
        }
        let closedAfter = closed - started
        #expect(closedAfter >= timeout * 0.8 && closedAfter <= timeout + .milliseconds(1500), "\(what) closed after \(closedAfter)")
    }
}
