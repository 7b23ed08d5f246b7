@testable import JuiceServer
import NIOCore
import Testing

/// The throttle's decision alone, without a database (the API tests cover it end to end).
@Suite struct AuthThrottleTests {
    private func record(pair: Int = 0, name: Int = 0, source: Int = 0, known: Bool = false) -> AuthRecord {
        AuthRecord(
            account: nil, pair: .init(failures: pair, remaining: 100), name: .init(failures: name, remaining: 200),
            source: .init(failures: source, remaining: 300), knownSource: known
        )
    }

    @Test func eachLimitRefusesWithTheTimeItsWindowHasLeft() {
        let throttle = AuthThrottle()
        #expect(throttle.refusal(record(pair: 2, name: 4, source: 99)) == nil)
        #expect(throttle.refusal(record(pair: 3)) == 100)
        #expect(throttle.refusal(record(name: 5)) == 200)
        #expect(throttle.refusal(record(source: 100)) == 300)
        #expect(throttle.refusal(record(pair: 3, name: 5, source: 100)) == 300) // the longest wait
    }

    @Test func theUsersKnownAddressesAreSparedOnlyTheCeiling() {
        let throttle = AuthThrottle()
        #expect(throttle.refusal(record(name: 50, known: true)) == nil)
        #expect(throttle.refusal(record(pair: 3, name: 50, known: true)) == 100)
    }

    @Test func sourcesAreAddressesOrIPv6Prefixes() throws {
        #expect(ClientSource(try SocketAddress(ipAddress: "192.0.2.7", port: 1)).description == "192.0.2.7")
        #expect(ClientSource(try SocketAddress(ipAddress: "2001:db8:1:2:3:4:5:6", port: 1)).description == "2001:db8:1:2::/64")
        #expect(ClientSource(try SocketAddress(ipAddress: "2001:db8:1:2:ffff::1", port: 1)) == ClientSource(try SocketAddress(ipAddress: "2001:db8:1:2::9", port: 2)))
        #expect(ClientSource(try SocketAddress(ipAddress: "::ffff:192.0.2.7", port: 1)).description == "192.0.2.7")
        #expect(ClientSource(nil).description == "unknown")
    }
}
