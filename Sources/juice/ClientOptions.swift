import ArgumentParser
import Foundation
import JuiceAPI
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

    func makeService() throws -> JuiceService {
        let environment = ProcessInfo.processInfo.environment
        let text = server ?? environment["JUICE_SERVER"] ?? "http://127.0.0.1:7480"
        guard let url = URL(string: text) else { throw ValidationError("--server is not a URL: \(text)") }
        return try JuiceService(url: url, realm: try Realm(realm ?? environment["JUICE_REALM"] ?? Realm.default.name))
    }

    var passwords: PasswordReader { PasswordReader(fromStandardInput: passwordStdin) }

    /// Reads a password and derives the account keys (about a tenth of a second of Argon2id).
    func keys(for username: Username, service: JuiceService, prompt: String = "Password: ") throws -> AccountKeys {
        try AccountKeys.derive(password: passwords.read(prompt: prompt), username: username, realm: service.realm)
    }

    /// Reads a new password and derives its keys.
    func newKeys(for username: Username, service: JuiceService, prompt: String) throws -> AccountKeys {
        try AccountKeys.derive(password: newPassword(prompt: prompt), username: username, realm: service.realm)
    }

    /// Reads a new password, asking twice on a terminal.
    func newPassword(prompt: String) throws -> SecretBytes {
        let password = try passwords.read(prompt: prompt)
        if !passwordStdin {
            let again = try passwords.read(prompt: "Repeat it: ")
            guard again == password else { throw ValidationError("the passwords do not match") }
        }
        return password
    }
}

/// Parses a username argument into a usage error if invalid.
func parseUsername(_ raw: String, _ what: String = "NAME") throws -> Username {
    do { return try Username(raw) } catch { throw ValidationError("\(what): \(error)") }
}

/// Reads the password, logs in without going online (presence untouched), runs `body` with the
/// login, then revokes the token; failures as ``reportingErrors(_:)`` reports them.
func authenticated(
    _ username: Username, _ options: ClientOptions,
    _ body: (JuiceService, Components.Schemas.LoginResponse) async throws -> Void
) async throws {
    try await reportingErrors {
        let service = try options.makeService()
        try await authenticated(service, username, keys: try options.keys(for: username, service: service)) { try await body(service, $0) }
    }
}

/// Logs in with `keys` without going online, runs `body` with the login, then revokes the token.
func authenticated(
    _ service: JuiceService, _ username: Username, keys: AccountKeys,
    _ body: (Components.Schemas.LoginResponse) async throws -> Void
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

/// Runs a command body, turning any failure into one line on standard error and exit status 1.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ValidationError {
        throw error
    } catch let error as ExitCode {
        throw error
    } catch {
        FileHandle.standardError.write(Data("juice: error: \(error)\n".utf8))
        throw ExitCode.failure
    }
}
