import ArgumentParser

/// `juice`: the Juice command-line client.
@main
struct Juice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "juice",
        abstract: "End-to-end encrypted buddy-list presence and chat.",
        discussion: "Passwords never leave this machine: only an Argon2id-derived key is sent to the server.",
        subcommands: [Register.self, Login.self, Buddy.self, Verify.self, Passwd.self]
    )
}
