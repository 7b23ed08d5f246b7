import ArgumentParser
import Foundation
import JuiceClient

/// `juice`: the Juice command-line client.
@main
struct Juice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "juice",
        abstract: "End-to-end encrypted buddy-list presence and chat.",
        discussion: "Passwords never leave this machine: only an Argon2id-derived key is sent to the server.",
        subcommands: [Register.self, Login.self, Buddy.self, Verify.self, History.self, Passwd.self]
    )

    /// Runs the command. Every failure, a usage error or not, is one line on standard error,
    /// `juice: error: …`, and a non-zero exit status (64 for usage errors, 1 otherwise). Whatever
    /// the command printed is out before the process ends, and before that line.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
            LineWriter.standardOutput.flush()
        } catch {
            LineWriter.standardOutput.flush()
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error)) // --help, help, --version
                Foundation.exit(0)
            }
            let message = message(for: error)
            if !message.isEmpty {
                let hint = code == .validationFailure ? " (see: \(helpCommand) --help)" : ""
                FileHandle.standardError.write(Data("juice: error: \(message.split(separator: "\n").joined(separator: " "))\(hint)\n".utf8))
            }
            Foundation.exit(code.rawValue)
        }
    }

    /// `juice` and the subcommand words given, e.g. `juice buddy add`.
    private static var helpCommand: String {
        var names: [String] = []
        var commands: [any ParsableCommand.Type] = configuration.subcommands
        for word in CommandLine.arguments.dropFirst() {
            guard let match = commands.first(where: { $0._commandName == word }) else { break }
            names.append(word)
            commands = match.configuration.subcommands
        }
        return (["juice"] + names).joined(separator: " ")
    }
}
