import ArgumentParser
import Foundation
import JuiceClient
import JuiceCore
import Sodium

/// Options every command shares: the server, the realm, and how to read passwords.
struct ClientOptions: ParsableArguments {
    @Option(name: .long, help: "Server URL (env JUICE_SERVER; default http://127.0.0.1:7480).")
    var server: String?

    @Option(name: .long, help: "Service realm that salts the password hash (env JUICE_REALM; default juice).")
    var realm: String?

    @Flag(name: .long, help: "Read the password from standard input (one line per password asked).")
    var passwordStdin = false

    @Flag(name: .long, help: "Print one JSON object per line.")
    var json = false

    @Option(name: .long, help: "PEM file of the CA certificates to trust for an https:// server, instead of the system's (env JUICE_CA_FILE).")
    var caFile: String?

    @Flag(name: .long, help: "INSECURE: allow plain http:// to a host that is not loopback; the login then crosses the network unencrypted.")
    var insecurePlainHttp = false

    func makeService() throws -> JuiceService {
        let environment = ProcessInfo.processInfo.environment
        let text = server ?? environment["JUICE_SERVER"] ?? "http://127.0.0.1:7480"
        guard let url = URL(string: text) else { throw ValidationError("--server is not a URL: \(text)") }
        let realm = try Realm(realm ?? environment["JUICE_REALM"] ?? Realm.default.name)
        let caFile = caFile ?? environment["JUICE_CA_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        return JuiceService(address: try ServerAddress(url: url, realm: realm, allowPlainHTTP: insecurePlainHttp, caFile: caFile))
    }

    var passwords: PasswordReader { PasswordReader(fromStandardInput: passwordStdin) }

    /// Reads a password and derives the account keys (about a tenth of a second of Argon2id).
    func keys(for username: Username, service: JuiceService, prompt: String = "Password: ") throws -> AccountKeys {
        try AccountKeys.derive(password: passwords.read(prompt: prompt), username: username, realm: service.realm)
    }

    /// Reads a new password and derives its keys.
    func newKeys(for username: Username, service: JuiceService, prompt: String) throws -> AccountKeys {
        try AccountKeys.derive(password: newPassword(for: username, prompt: prompt), username: username, realm: service.realm)
    }

    /// Reads a new password, asking twice on a terminal, and refuses a weak one
    /// (``PasswordQuality``) before any Argon2id runs.
    func newPassword(for username: Username, prompt: String) throws -> SecretBytes {
        let password = try passwords.read(prompt: prompt)
        try PasswordQuality.check(password, username: username)
        if !passwordStdin {
            let again = try passwords.read(prompt: "Repeat it: ")
            guard again == password else { throw PasswordError("the passwords do not match") }
        }
        return password
    }
}

/// Parses a username argument into a usage error if invalid.
func parseUsername(_ raw: String, _ what: String = "NAME") throws -> Username {
    do { return try Username(raw) } catch { throw ValidationError("\(what): \(error)") }
}

/// Reads the password, logs in without going online (presence untouched), runs `body` with the
/// service, the keys and the login, then revokes the token.
func authenticated(
    _ username: Username, _ options: ClientOptions,
    _ body: (JuiceService, AccountKeys, LoginGrant) async throws -> Void
) async throws {
    let service = try options.makeService()
    let keys = try options.keys(for: username, service: service)
    try await authenticated(service, username, keys: keys) { try await body(service, keys, $0) }
}

/// Logs in with `keys` without going online, runs `body` with the login, then revokes the token.
func authenticated(
    _ service: JuiceService, _ username: Username, keys: AccountKeys,
    _ body: (LoginGrant) async throws -> Void
) async throws {
    let login = try await service.login(username: username, keys: keys, presence: nil)
    do {
        try await body(login)
    } catch {
        try? await service.logout()
        throw error
    }
    try? await service.logout()
}
