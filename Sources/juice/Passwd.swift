import ArgumentParser
import JuiceClient
import JuiceCore

/// `juice passwd NAME`.
struct Passwd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Change your password; the identity key is re-sealed and other sessions end.",
        discussion: "With --password-stdin, the first line is the current password and the second the new one."
    )

    @Argument(help: "Your username.")
    var name: String

    @OptionGroup var options: ClientOptions

    func run() async throws {
        let username = try parseUsername(name)
        let service = try options.makeService()
        let currentPassword = try options.passwords.read(prompt: "Current password: ")
        let newPassword = try options.newPassword(for: username, prompt: "New password: ")
        let current = try AccountKeys.derive(password: currentPassword, username: username, realm: service.realm)
        try await authenticated(service, username, keys: current) { login in
            // Argon2id for the new password only once the login has proved the current one.
            let new = try AccountKeys.derive(password: newPassword, username: username, realm: service.realm)
            try await service.changePassword(current: current, new: new, identity: login.sealedIdentity)
        }
        LineWriter.standardOutput.write(options.json ? #"{"event":"password-changed","username":"\#(username)"}"# : "password changed for \(username)")
    }
}
