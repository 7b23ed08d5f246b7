import ArgumentParser

/// `juiced`: the Juice account service.
@main
struct Juiced: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "juiced",
        abstract: "The Juice account service: accounts, buddy lists and presence on PostgreSQL.",
        discussion: """
            With no database configured, juiced runs a private PostgreSQL cluster in its state \
            directory. Otherwise it uses --database-url or the PG* variables, as psql does.
            """,
        subcommands: [Serve.self, Migrate.self],
        defaultSubcommand: Serve.self
    )
}
