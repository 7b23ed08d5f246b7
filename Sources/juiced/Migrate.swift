import ArgumentParser
import JuiceServer

/// `juiced migrate`: apply missing schema migrations and exit.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply missing schema migrations, then exit.")

    @OptionGroup var database: DatabaseOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.makeLogger()
        try await withDatabase(database, logger: logger) { pool in
            let applied = try await Migrator(pool: pool, logger: logger).migrate()
            print(applied.isEmpty ? "schema is up to date" : "applied migrations: " + applied.map(String.init).joined(separator: ", "))
        }
    }
}
