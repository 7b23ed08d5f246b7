import Foundation
import JuiceTestSupport
import Testing

@Suite(.serialized) struct AccountEndToEndTests {
    @Test func twoUsersGoOnlineAndOfflineWithOneCallEach() async throws {
        try await JuiceProcesses.with { juice in

            #expect(try await juice.juice(["register", "alice", "--password-stdin"], stdin: "\(testPassword)\n").status == 0)
            #expect(try await juice.juice(["register", "bob", "--password-stdin"], stdin: "\(testPassword)\n").status == 0)
            let duplicate = try await juice.juice(["register", "BOB", "--password-stdin"], stdin: "\(testPassword)\n")
            #expect(duplicate.status != 0)
            #expect(duplicate.error.contains("taken"))
            #expect(try await juice.juice(["buddy", "add", "alice", "--user", "bob", "--password-stdin"], stdin: "\(testPassword)\n").status == 0)
            #expect(try await juice.juice(["buddy", "accept", "bob", "--user", "alice", "--password-stdin"], stdin: "\(testPassword)\n").status == 0)

            let alice = try juice.login("alice", password: testPassword, ["--camera", "--no-mic"])
            let aliceReady = try #require(await alice.waitForEvent("ready"), "alice not ready: \(alice.errorOutput)")
            let alicePeer = try #require(aliceReady["peerId"] as? Int64)
            let aliceEndpoint = try #require(aliceReady["endpoint"] as? String)
            let bobAtLogin = await alice.waitForEvent("buddy") { $0["username"] as? String == "bob" }
            #expect(bobAtLogin?["peerId"] as? Int == 0)

            let before = try await juice.requestCount()
            let bob = try juice.login("bob", password: testPassword)
            let bobReady = try #require(await bob.waitForEvent("ready"), "bob not ready: \(bob.errorOutput)")
            let bobPeer = try #require(bobReady["peerId"] as? Int64)
            let aliceSeen = try #require(await bob.waitForEvent("buddy") { $0["username"] as? String == "alice" })
            #expect(aliceSeen["peerId"] as? Int64 == alicePeer)
            #expect(aliceSeen["endpoint"] as? String == aliceEndpoint)
            #expect(aliceSeen["camera"] as? Bool == true)
            #expect(aliceSeen["mic"] as? Bool == false)
            #expect(try await juice.requestCount() - before == 1, "going online took more than one server call")

            let online = try await juice.psql("select username, peer_id from presence order by username")
            #expect(online == ["alice|\(alicePeer)", "bob|\(bobPeer)"])

            let beforeLogout = try await juice.requestCount()
            bob.closeInput()
            #expect(await bob.waitForExit() == 0)
            #expect(try await juice.requestCount() - beforeLogout == 1, "going offline took more than one server call")
            #expect(try await juice.psql("select peer_id from presence where username = 'bob'") == ["0"])
            #expect(try await juice.psql("select peer_id from presence where username = 'alice'") == ["\(alicePeer)"])

            alice.send("/quit")
            #expect(await alice.waitForExit() == 0)
            #expect(await alice.waitForEvent("logged-out") != nil)
            #expect(try await juice.psql("select count(*) from presence where online") == ["0"])
        }
    }

    @Test func badInputGetsOneLineAndANonZeroExit() async throws {
        try await JuiceProcesses.with { juice in
            let badName = try await juice.juice(["register", "a\u{7}b", "--password-stdin"], stdin: "pw\n")
            #expect(badName.status != 0)
            let wrong = try await juice.juice(["buddy", "list", "--user", "nobody", "--password-stdin"], stdin: "pw\n")
            #expect(wrong.status == 1)
            #expect(wrong.error == "juice: error: invalid username or password\n")
            let noPassword = try await juice.juice(["register", "carol", "--password-stdin"], stdin: "")
            #expect(noPassword.status == 1)
            #expect(noPassword.error.contains("no password"))
            let unreachable = try await ManagedProcess.run(Binaries.juice, ["register", "carol", "--password-stdin", "--server", "http://127.0.0.1:1"], stdin: "\(testPassword)\n")
            #expect(unreachable.status == 1)
            #expect(unreachable.error.split(separator: "\n").count == 1)
            #expect(!unreachable.error.contains("authKey"))
        }
    }

    /// Item 19: one error format for usage and runtime errors, and hints that fit a shell.
    @Test func errorsHaveOneFormatAndHintsFitTheShell() async throws {
        try await JuiceProcesses.with { juice in
            let usage = try await juice.juice(["buddy", "add"])
            #expect(usage.status == 64)
            #expect(usage.error == "juice: error: Missing expected argument '<buddy>' (see: juice buddy add --help)\n", "\(usage.error)")
            let badName = try await juice.juice(["register", "a"])
            #expect(badName.error.hasPrefix("juice: error: NAME: "), "\(badName.error)")
            #expect(badName.error.split(separator: "\n").count == 1)
            let weak = try await juice.juice(["register", "carol", "--password-stdin"], stdin: "password1\n")
            #expect(weak.status == 1)
            #expect(weak.error.hasPrefix("juice: error: choose another password: "), "\(weak.error)")
            #expect(!weak.error.contains("Usage"))
            #expect(try await juice.psql("select count(*) from accounts") == ["0"]) // refused before any server call

            try await juice.setUp(users: ["alice", "bob"], buddies: [])
            #expect(try await juice.juice(["buddy", "add", "bob", "--user", "alice", "--password-stdin"], stdin: "\(testPassword)\n").status == 0)
            let list = try await juice.juice(["buddy", "list", "--user", "bob", "--password-stdin"], stdin: "\(testPassword)\n")
            #expect(list.output.contains("alice wants to be your buddy: juice buddy accept alice --user bob"), "\(list.output)")
            #expect(!list.output.contains("/accept"))
        }
    }

    @Test func passwordChangeKeepsTheIdentity() async throws {
        let oldPassword = "Old-Orchard-Press-51", newPassword = "New-Grove-Blend-73"
        try await JuiceProcesses.with { juice in
            #expect(try await juice.juice(["register", "alice", "--password-stdin"], stdin: "\(oldPassword)\n").status == 0)
            let key = try await juice.psql("select encode(public_key, 'hex') from accounts where username = 'alice'")
            #expect(try await juice.juice(["passwd", "alice", "--password-stdin"], stdin: "\(oldPassword)\n\(newPassword)\n").status == 0)
            #expect(try await juice.juice(["buddy", "list", "--user", "alice", "--password-stdin"], stdin: "\(oldPassword)\n").status == 1)
            let login = try juice.login("alice", password: newPassword)
            #expect(await login.waitForEvent("ready") != nil, "login with the new password failed: \(login.errorOutput)")
            login.closeInput()
            #expect(await login.waitForExit() == 0)
            #expect(try await juice.psql("select encode(public_key, 'hex') from accounts where username = 'alice'") == key)
        }
    }
}

@Suite(.serialized) struct TLSEndToEndTests {
    @Test func servesHTTPSWhenGivenACertificateAndKey() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("juice-tls-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (cert, key) = try await TestCertificate.selfSigned(in: dir)
        try await JuiceProcesses.with(extraArguments: ["--tls-certificate", cert, "--tls-key", key], scheme: "https") { juice in
            #expect(juice.url.hasPrefix("https://"))
            let https = try await ManagedProcess.run(URL(fileURLWithPath: "/usr/bin/curl"), ["-sS", "--cacert", cert, juice.url + "/healthz"])
            #expect(https.status == 0, "\(https.error)")
            #expect(https.output == "ok")
            let plain = try await ManagedProcess.run(URL(fileURLWithPath: "/usr/bin/curl"), ["-sS", juice.url.replacingOccurrences(of: "https", with: "http") + "/healthz"])
            #expect(plain.status != 0 || plain.output != "ok")
        }
    }

    /// The deployment files (Ops/psql/juiced.service and juiced.env.example) serve HTTPS: their
    /// command line, with the example's values, runs juiced behind TLS.
    @Test func theDeploymentFilesServeTLS() async throws {
        let ops = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Ops/psql").standardized
        let unit = try String(contentsOf: ops.appendingPathComponent("juiced.service"), encoding: .utf8)
        var values: [String: String] = [:]
        for line in try String(contentsOf: ops.appendingPathComponent("juiced.env.example"), encoding: .utf8).split(separator: "\n") where !line.hasPrefix("#") {
            let pair = line.split(separator: "=", maxSplits: 1).map(String.init)
            if pair.count == 2 { values[pair[0]] = pair[1] }
        }
        #expect(values["JUICE_HOST"] == "0.0.0.0")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("juice-tls-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (cert, key) = try await TestCertificate.selfSigned(in: dir)
        let secret = dir.appendingPathComponent("turn-secret")
        try Data("0123456789abcdef0123456789abcdef\n".utf8).write(to: secret)
        // Only the host (to stay on loopback), port, paths and lease change; the flags are the unit's.
        values.merge(["JUICE_HOST": "127.0.0.1", "JUICE_PORT": "0", "JUICE_TLS_CERTIFICATE": cert, "JUICE_TLS_KEY": key]) { $1 }
        let exec = try #require(unit.split(separator: "\n").first { $0.hasPrefix("ExecStart=") })
        let arguments = exec.split(separator: " ").dropFirst().map { word in
            word == "/etc/juice/turn-secret" ? secret.path : word.hasPrefix("${") ? values[String(word.dropFirst(2).dropLast())] ?? String(word) : String(word)
        }
        #expect(arguments.contains("--tls-certificate") && arguments.contains("--tls-key"), "\(arguments)")
        #expect(arguments.contains("--turn-server") && arguments.contains("--turn-secret-file"), "\(arguments)")
        try await JuiceProcesses.with(extraArguments: Array(arguments.dropFirst()), scheme: "https") { juice in
            let https = try await ManagedProcess.run(URL(fileURLWithPath: "/usr/bin/curl"), ["-sS", "--cacert", cert, juice.url + "/healthz"])
            #expect(https.output == "ok", "\(https.error)")
            // An online login gets the relay the environment file names, with a credential of its own.
            let register = try await juice.juice(["register", "alice", "--password-stdin", "--ca-file", cert], stdin: "\(testPassword)\n")
            #expect(register.status == 0, "\(register.error)")
            let login = try await juice.juice(["login", "alice", "--password-stdin", "--json", "--ca-file", cert], stdin: "\(testPassword)\n")
            #expect(login.status == 0, "\(login.error)")
            let cached = juice.clientHome + "/" + "juice@127.0.0.1:" + (URL(string: juice.url)?.port.map(String.init) ?? "") + "/alice/relay.json"
            let relay = (try? JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: cached)))) as? [String: Any]
            #expect(relay?["server"] as? String == values["JUICE_TURN_SERVER"], "the relay credential cached at \(cached)")
            #expect((relay?["username"] as? String)?.contains(":") == true)
        }
    }

    @Test func anUnreadableKeyOrCertificateStopsJuicedWithOneLine() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("juice-tls-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (cert, key) = try await TestCertificate.selfSigned(in: dir)
        let garbage = dir.appendingPathComponent("garbage.pem").path, missing = dir.appendingPathComponent("missing.pem").path
        try "not a PEM file\n".write(toFile: garbage, atomically: true, encoding: .utf8)
        let database = try await TestDatabase.create("tls")
        defer { database.drop() }
        for (certificatePath, keyPath, expected) in [
            (garbage, key, "cannot read a PEM certificate from \(garbage)"),
            (cert, garbage, "cannot read a PEM private key from \(garbage)"),
            (cert, missing, "cannot read a PEM private key from \(missing)"),
        ] {
            let result = try await ManagedProcess.run(
                Binaries.juiced, ["--port", "0", "--tls-certificate", certificatePath, "--tls-key", keyPath],
                environment: database.clientEnvironment, timeout: .seconds(30)
            )
            #expect(result.status == 1)
            let lines = result.error.split(separator: "\n")
            #expect(lines.count == 1, "\(result.error)")
            #expect(lines.last?.contains(expected) == true, "\(result.error)")
        }
    }
}
