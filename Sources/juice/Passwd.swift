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
        try await reportingErrors {
            let service = try options.makeService()
            let current = try options.keys(for: username, service: service, prompt: "Current password: ")
            let new = try options.newKeys(for: username, service: service, prompt: "New password: ")
            let login = try await service.login(username: username, keys: current, presence: nil)
            try await service.changePassword(current: current, new: new, identity: try login.sealedIdentity)
            try? await service.logout()
            print(options.json ? #"{"event":"password-changed","username":"\#(username)"}"# : "password changed for \(username)")
        }
    }
}
