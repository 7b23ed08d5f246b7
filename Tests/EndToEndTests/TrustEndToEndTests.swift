import Foundation
import JuiceTestSupport
import Testing

/// A dishonest server, played by changing juiced's database the way a compromised server would,
/// must not be able to fool the user (issue 8, items 1 to 5).
@Suite(.serialized) struct TrustEndToEndTests {
    /// Item 1: the server states a substituted key for alice from the very start, to alice and to
    /// bob alike. Before, `juice verify` hashed the key the server stated, so both sides printed
    /// the same number; now alice's number comes from her opened identity, and she is told.
    @Test func verifyUsesTheOpenedIdentityNotTheKeyTheServerStates() async throws {
        try await JuiceProcesses.with { juice in
            try await juice.setUp(users: ["alice", "bob"], buddies: [("alice", "bob")])
            try await juice.substituteKey(of: "alice")
            let bob = try await juice.juice(["verify", "alice", "--user", "bob", "--password-stdin", "--json"], stdin: "\(testPassword)\n")
            #expect(bob.status == 0, "\(bob.error)")
            let bobNumber = try #require(event(bob.output.trimmingCharacters(in: .newlines))["safetyNumber"] as? String)
            let alice = try await juice.juice(["verify", "bob", "--user", "alice", "--password-stdin", "--json"], stdin: "\(testPassword)\n")
            #expect(alice.status == 1)
            #expect(!alice.output.contains(bobNumber), "alice's safety number matched bob's despite the substituted key")
            #expect(alice.error == "juice: error: the server's public key for you does not match your own identity key; the server may be substituting keys\n")
        }
    }

    /// Item 4: a login whose identity does not match says so and goes offline at once.
    @Test func aLoginWithAMismatchedIdentitySaysWhyAndGoesOffline() async throws {
        try await JuiceProcesses.with { juice in
            try await juice.setUp(users: ["alice"], buddies: [])
            try await juice.substituteKey(of: "alice")
            let alice = try juice.login("alice", password: testPassword)
            #expect(await alice.waitForExit() == 1)
            #expect(alice.errorOutput.contains("does not match your own identity key"), "\(alice.errorOutput)")
            #expect(alice.errorOutput.contains("logged out again"))
            #expect(!alice.errorOutput.contains("authentication failed"))
            #expect(try await juice.psql("select online, peer_id from presence where username = 'alice'") == ["f|0"])
        }
    }

    /// Item 2: pins are scoped by service, so a user named alice on a second server (a new key)
    /// is not a "changed key"; and the client honours $HOME when JUICE_HOME is not set.
    @Test func aSameNamedUserOnAnotherServerIsNotAKeyChange() async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("juice-shared-home-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: home) }
        let first = try await JuiceProcesses.start(clientHome: home)
        let second: JuiceProcesses
        do { second = try await JuiceProcesses.start(clientHome: home) } catch { await first.stop(); throw error }
        do {
            for juice in [first, second] {
                try await juice.setUp(users: ["alice", "bob"], buddies: [("alice", "bob")])
                let bob = try juice.login("bob", password: testPassword)
                #expect(await bob.waitForEvent("ready") != nil, "\(bob.errorOutput)")
                let alice = try juice.login("alice", password: testPassword)
                #expect(await alice.waitForEvent("online") { $0["username"] as? String == "bob" } != nil, "\(alice.output)")
                #expect(!alice.output.contains { event($0)["event"] as? String == "key-changed" }, "\(alice.output)")
                alice.closeInput()
                bob.closeInput()
                #expect(await alice.waitForExit() == 0)
                #expect(await bob.waitForExit() == 0)
            }
            let scopes = try FileManager.default.contentsOfDirectory(atPath: home).sorted()
            #expect(scopes.count == 2 && scopes.allSatisfy { $0.hasPrefix("juice@127.0.0.1:") }, "\(scopes)")
        } catch {
            await first.stop(); await second.stop()
            throw error
        }
        await first.stop(); await second.stop()
    }

    @Test func theClientHonoursHomeAndRefusesACorruptPinFile() async throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("juice-home-env-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: home) }
        try await JuiceProcesses.with { juice in
            try await juice.setUp(users: ["alice", "bob"], buddies: [("alice", "bob")])
            let port = try #require(juice.url.split(separator: ":").last)
            let environment = ["HOME": home, "JUICE_HOME": "", "XDG_STATE_HOME": ""]
            let verify = ["verify", "bob", "--user", "alice", "--password-stdin", "--server", juice.url]
            let first = try await ManagedProcess.run(Binaries.juice, verify, stdin: "\(testPassword)\n", environment: environment)
            #expect(first.status == 0, "\(first.error)")
            let pins = "\(home)/.local/state/juice/client/juice@127.0.0.1:\(port)/alice/known_keys"
            #expect(FileManager.default.fileExists(atPath: pins), "no pins at \(pins)")
            try "bob this-is-not-a-key\n".write(toFile: pins, atomically: true, encoding: .utf8)
            let corrupt = try await ManagedProcess.run(Binaries.juice, verify, stdin: "\(testPassword)\n", environment: environment)
            #expect(corrupt.status == 1)
            #expect(corrupt.error == "juice: error: the known-keys file \(pins) is corrupt; fix or remove it\n")
        }
    }

    /// Item 3: a login reply in which two buddies share one key (the database no longer allows
    /// it, so the server dropped the constraint) is named to the user, and neither is trusted.
    @Test func aLoginReplyWithASharedKeyIsNamedAndNotTrusted() async throws {
        try await JuiceProcesses.with { juice in
            try await juice.setUp(users: ["alice", "bob", "carol"], buddies: [("alice", "bob"), ("alice", "carol")])
            let copied = try await juice.psql("""
                ALTER TABLE accounts DROP CONSTRAINT accounts_public_key_key;
                UPDATE accounts SET public_key = (SELECT public_key FROM accounts WHERE username = 'bob') WHERE username = 'carol';
                SELECT count(DISTINCT public_key) FROM accounts
                """)
            #expect(copied.last == "2")
            let alice = try juice.login("alice", password: testPassword)
            let warning = await alice.waitForEvent("error") { ($0["message"] as? String)?.contains("same public key") == true }
            #expect((warning?["message"] as? String)?.contains("bob, carol") == true, "\(alice.output)")
            alice.send("/msg carol hi")
            #expect(await alice.waitForEvent("error") { ($0["message"] as? String)?.contains("(carol)") == true } != nil, "\(alice.output)")
            alice.closeInput()
            #expect(await alice.waitForExit() == 0)
        }
    }

    /// Item 5: plain HTTP only to loopback (unless loudly overridden); HTTPS verifies the
    /// certificate against the system store or a given CA file.
    @Test func plainHTTPIsRefusedOffLoopbackAndCertificatesAreVerified() async throws {
        let refused = try await ManagedProcess.run(Binaries.juice, ["register", "alice", "--password-stdin", "--server", "http://192.0.2.1:7480"], stdin: "\(testPassword)\n")
        #expect(refused.status == 1)
        #expect(refused.error.hasPrefix("juice: error: refusing plain http:// to 192.0.2.1"), "\(refused.error)")
        // 0.0.0.0 is not a loopback address, but dialling it reaches this machine: refused fast.
        let unchecked = ["register", "alice", "--password-stdin", "--server", "http://0.0.0.0:1"]
        #expect(try await ManagedProcess.run(Binaries.juice, unchecked, stdin: "\(testPassword)\n").error.contains("refusing plain http://"))
        let overridden = try await ManagedProcess.run(Binaries.juice, unchecked + ["--insecure-plain-http"], stdin: "\(testPassword)\n")
        #expect(overridden.status == 1)
        #expect(overridden.error.contains("cannot reach the Juice server"), "\(overridden.error)")

        // juiced, too, serves plain HTTP only on loopback unless told otherwise.
        let server = try await ManagedProcess.run(Binaries.juiced, ["--host", "0.0.0.0", "--port", "0"])
        #expect(server.status == 64)
        #expect(server.error.contains("--host 0.0.0.0 is not loopback: serve HTTPS there"), "\(server.error)")

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("juice-tls-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (cert, key) = try await TestCertificate.selfSigned(in: dir)
        try await JuiceProcesses.with(extraArguments: ["--tls-certificate", cert, "--tls-key", key], scheme: "https") { juice in
            let untrusted = try await juice.juice(["register", "alice", "--password-stdin"], stdin: "\(testPassword)\n")
            #expect(untrusted.status == 1)
            #expect(untrusted.error.contains("did not present a certificate this client trusts"), "\(untrusted.error)")
            #expect(try await juice.psql("select count(*) from accounts") == ["0"])
            let trusted = try await juice.juice(["register", "alice", "--password-stdin", "--ca-file", cert], stdin: "\(testPassword)\n")
            #expect(trusted.status == 0, "\(trusted.error)")
        }
    }
}

extension JuiceProcesses {
    /// Makes the server state a fresh key for `name`, as a server substituting keys would.
    func substituteKey(of name: String) async throws {
        let updated = try await psql("UPDATE accounts SET public_key = sha256(random()::text::bytea) WHERE username = '\(name)' RETURNING 1")
        #expect(updated.first == "1")
    }
}
