import JuiceCore
import Testing

@Suite struct EndpointPortTests {
    @Test(arguments: ["192.0.2.7:40123", "[2001:db8::1]:443", "example.org:1", "host-1.example:65535"])
    func wellFormedEndpointsParse(_ text: String) throws {
        #expect(try Endpoint(text).description == text)
    }

    /// The port is 1 to 5 ASCII digits: no sign, no spaces, no other digits, nothing after it.
    @Test(arguments: [
        "127.0.0.1:+80", "127.0.0.1:-80", "127.0.0.1: 80", "127.0.0.1:80 ", "127.0.0.1:0080080", "127.0.0.1:000080",
        "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:٨٠", "127.0.0.1:８０", "127.0.0.1:0x50", "127.0.0.1:80\n",
    ])
    func malformedPortsAreRejected(_ text: String) {
        #expect(throws: InvalidValue.self) { try Endpoint(text) }
    }

    @Test func portZeroOnlyForListening() throws {
        #expect(throws: InvalidValue.self) { try Endpoint("0.0.0.0:0") }
        #expect(try Endpoint("0.0.0.0:0", allowingPortZero: true).port == 0)
        #expect(try Endpoint("0.0.0.0:00080", allowingPortZero: true).port == 80)
    }
}
