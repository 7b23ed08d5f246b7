import ArgumentParser
import JuiceClient

/// `juice register NAME`.
struct Register: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create an account and its identity key.")

    @Argument(help: "The username: 3 to 32 of a-z, 0-9, '.', '_', '-'.")
    var name: String

    @OptionGroup var options: ClientOptions

    func run() async throws {
        let username = try parseUsername(name)
        let service = try options.makeService()
        let keys = try options.newKeys(for: username, service: service, prompt: "New password for \(username): ")
        try await service.register(username: username, keys: keys)
        LineWriter.standardOutput.write(options.json ? #"{"event":"registered","username":"\#(username)"}"# : "registered \(username)")
    }
}
