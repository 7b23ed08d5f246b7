import Foundation
@testable import JuiceClient
import JuiceCore
import Sodium
import Testing

@Suite struct ServerAddressTests {
    @Test func plainHTTPIsRefusedExceptToLoopback() throws {
        for url in ["http://192.0.2.7:7480", "http://juice.example.com", "http://10.0.0.1:80", "http://[2001:db8::1]:7480", "http://127.0.0.1.example.com", "http://127.0.0.08:1", "http://127.0.0.+1:1", "http://0.0.0.0:1", "http://u:p@127.0.0.1:1"] {
            #expect(throws: ServiceError.self, "\(url)") { try ServerAddress(url: URL(string: url)!, realm: .default) }
        }
        for url in ["http://127.0.0.1:7480", "http://127.1.2.3:1", "http://localhost:7480", "http://[::1]:7480", "https://juice.example.com"] {
            #expect(throws: Never.self, "\(url)") { try ServerAddress(url: URL(string: url)!, realm: .default) }
        }
        #expect(throws: Never.self) { try ServerAddress(url: URL(string: "http://192.0.2.7:7480")!, realm: .default, allowPlainHTTP: true) }
        do {
            _ = try ServerAddress(url: URL(string: "http://192.0.2.7:7480")!, realm: .default)
        } catch {
            #expect(error.message.contains("refusing plain http://"))
            #expect(error.message.contains("--insecure-plain-http"))
        }
    }

    @Test func aCAFileNeedsHTTPSAndMustBeReadable() {
        #expect(throws: ServiceError.self) { try ServerAddress(url: URL(string: "http://127.0.0.1:7480")!, realm: .default, caFile: "/etc/hostname") }
        #expect(throws: ServiceError.self) { try ServerAddress(url: URL(string: "https://127.0.0.1:7480")!, realm: .default, caFile: "/nonexistent.pem") }
    }

    @Test func theScopeNamesRealmHostAndPort() throws {
        let realm = try Realm("acme/prod")
        #expect(try ServerAddress(url: URL(string: "https://Juice.Example.com")!, realm: .default).scope == "juice@juice.example.com:443")
        #expect(try ServerAddress(url: URL(string: "http://127.0.0.1:7480")!, realm: realm).scope == "acme/prod@127.0.0.1:7480")
        #expect(try ServerAddress(url: URL(string: "http://[::1]:80")!, realm: .default).scope == "juice@[::1]:80")
    }
}

@Suite struct ClientStateTests {
    let alice = try! Username("alice")

    @Test func stateIsScopedByServiceAndHonoursTheEnvironment() {
        let home = ["HOME": "/home/ann"]
        #expect(ClientState.directory(for: alice, scope: "juice@127.0.0.1:7480", environment: home).path == "/home/ann/.local/state/juice/client/juice@127.0.0.1:7480/alice")
        #expect(ClientState.directory(for: alice, scope: "juice@other:443", environment: home) != ClientState.directory(for: alice, scope: "juice@127.0.0.1:7480", environment: home))
        #expect(ClientState.directory(for: alice, scope: "s", environment: ["HOME": "/h", "XDG_STATE_HOME": "/x"]).path == "/x/juice/client/s/alice")
        #expect(ClientState.directory(for: alice, scope: "s", environment: ["HOME": "/h", "JUICE_HOME": "/j"]).path == "/j/s/alice")
    }

    @Test func aScopeIsOneSafePathComponent() {
        #expect(ClientState.pathComponent("acme/prod@host:1") == "acme%2Fprod@host:1")
        #expect(ClientState.pathComponent("..") == "%2E.")
        #expect(!ClientState.pathComponent("a b/../c").contains("/"))
    }
}
