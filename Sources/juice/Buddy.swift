import ArgumentParser
import Foundation
import JuiceClient
import JuiceCore

/// `juice buddy add|accept|remove|list`.
struct Buddy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage your buddy list (consent needed: one asks, the other accepts).",
        subcommands: [Add.self, Accept.self, Remove.self, List.self]
    )

    /// Who acts: `--user NAME` or env JUICE_USER.
    struct Actor: ParsableArguments {
        @Option(name: .long, help: "Act as this user (env JUICE_USER).")
        var user: String?

        func username() throws -> Username {
            guard let raw = user ?? ProcessInfo.processInfo.environment["JUICE_USER"] else {
                throw ValidationError("say who you are with --user NAME or JUICE_USER")
            }
            return try parseUsername(raw, "--user")
        }
    }

    /// The buddy a command acts on, and who acts.
    struct Target: ParsableArguments {
        @Argument(help: "The buddy's username.") var buddy: String
        @OptionGroup var actor: Actor
        @OptionGroup var options: ClientOptions

        /// Logs in as the actor and runs `body` with the service, the buddy and a printer.
        func run(_ body: (JuiceService, Username, EventPrinter) async throws -> Void) async throws {
            let target = try parseUsername(buddy, "BUDDY")
            let username = try actor.username()
            let printer = EventPrinter(json: options.json, hints: .shell(user: username))
            try await authenticated(username, options) { service, _, _ in try await body(service, target, printer) }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Ask BUDDY to be buddies.")
        @OptionGroup var target: Target

        func run() async throws {
            try await target.run { service, buddy, printer in printer.emit(.buddy(try await service.requestBuddy(buddy))) }
        }
    }

    struct Accept: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Accept BUDDY's request.")
        @OptionGroup var target: Target

        func run() async throws {
            try await target.run { service, buddy, printer in printer.emit(.buddy(try await service.acceptBuddy(buddy))) }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove BUDDY, or withdraw or decline a request.")
        @OptionGroup var target: Target

        func run() async throws {
            try await target.run { service, buddy, _ in
                try await service.removeBuddy(buddy)
                LineWriter.standardOutput.write(target.options.json ? #"{"event":"removed","username":"\#(buddy)"}"# : "removed \(buddy)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show your buddies with their presence.")
        @OptionGroup var actor: Actor
        @OptionGroup var options: ClientOptions

        func run() async throws {
            // The login carries the buddy list (the same query as `GET /v1/buddies`).
            let username = try actor.username()
            let printer = EventPrinter(json: options.json, hints: .shell(user: username))
            try await authenticated(username, options) { _, _, login in
                let buddies = login.buddies
                if buddies.isEmpty && !options.json { LineWriter.standardOutput.write("no buddies yet: juice buddy add NAME") }
                buddies.forEach { printer.emit(.buddy($0)) }
            }
        }
    }
}
