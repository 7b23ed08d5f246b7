import JuiceCore
@testable import JuiceClient
import Testing

/// A client listening on every interface states its interfaces' addresses as `host` candidates
/// (docs/reachability.md 3.1): usable ones only, at most 4.
@Suite struct HostCandidatesTests {
    let interfaces = ["127.0.0.1", "10.0.1.2", "169.254.7.7", "fe80::1%eth0", "2001:db8::2", "192.168.1.9", "10.0.1.2", "172.16.0.4", "198.51.100.7"]

    @Test func anIPv4WildcardStatesUsableIPv4AddressesOnceAtMostFour() {
        let picked = HostCandidates.select(interfaces, port: 7000, wildcard: "0.0.0.0", serverIsLoopback: false)
        #expect(picked.map(\.description) == ["host 10.0.1.2:7000", "host 192.168.1.9:7000", "host 172.16.0.4:7000", "host 198.51.100.7:7000"])
    }

    @Test func loopbackOnlyWithALocalServerAndIPv6OnlyWithAnIPv6Wildcard() {
        let local = HostCandidates.select(interfaces, port: 7000, wildcard: "0.0.0.0", serverIsLoopback: true)
        #expect(local.first?.description == "host 127.0.0.1:7000")
        let both = HostCandidates.select(interfaces, port: 7000, wildcard: "::", serverIsLoopback: false)
        #expect(both.map(\.description).contains("host [2001:db8::2]:7000"))
        #expect(!both.map(\.description).contains { $0.contains("fe80") || $0.contains("169.254") }, "never link-local")
    }

    @Test func aSpecificListenerHasNoHostCandidateBesidesItsEndpoint() throws {
        #expect(HostCandidates.gather(listening: try Endpoint("10.0.1.2:7000"), serverIsLoopback: false).isEmpty)
    }
}
