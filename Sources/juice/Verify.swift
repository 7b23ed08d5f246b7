import ArgumentParser
import Foundation
import JuiceClient
import JuiceCore
import JuicePeer

/// `juice verify BUDDY --user NAME`.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the safety number with BUDDY; compare it with theirs out of band.",
        discussion: "The number comes from your own identity key, opened with your password, and BUDDY's pinned key. If the server now states another key for BUDDY, the new key's number is shown too; once BUDDY reads you the same number, --accept NUMBER pins that key (and only that key)."
    )

    @Argument(help: "The buddy's username.") var buddy: String
    @OptionGroup var actor: Buddy.Actor
    @Option(name: .long, help: ArgumentHelp("Pin BUDDY's new key, if it gives this safety number (the one you compared).", valueName: "safety-number"))
    var accept: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let target = try parseUsername(buddy, "BUDDY")
        let username = try actor.username()
        try await authenticated(username, options) { service, keys, login in
            let report = try await service.verify(target, as: username, login: login, keys: keys, accept: accept)
            EventPrinter(json: options.json, hints: .shell(user: username)).emit(.safetyNumber(report))
        }
    }
}
