import ArgumentParser
import Foundation
import JuiceClient
import JuiceCore
import JuicePeer

/// `juice verify BUDDY --user NAME`.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the safety number with BUDDY; compare it with theirs out of band.",
        discussion: "If BUDDY's key changed since it was first pinned, --accept pins the new key once the numbers match."
    )

    @Argument(help: "The buddy's username.") var buddy: String
    @OptionGroup var actor: Buddy.Actor
    @Flag(name: .long, help: "Pin BUDDY's current key (after comparing the safety number).") var accept = false
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let target = try parseUsername(buddy, "BUDDY")
        let username = try actor.username()
        try await authenticated(username, options) { _, login in
            guard let entry = login.buddies.first(where: { $0.username == target.value }), let key = entry.publicKey, entry.relation == .accepted else {
                throw InvalidValue("\(target) is not an accepted buddy of \(username)")
            }
            let pins = try KnownKeys(directory: ClientState.directory(for: username))
            var changed = false
            if accept {
                try pins.accept(target, Array(key.data))
            } else if case .changed = try pins.check(target, Array(key.data)) {
                changed = true
            }
            let number = try SafetyNumber.compute((username, Array(login.identity.publicKey.data)), (target, Array(key.data)))
            if options.json {
                EventPrinter(json: true).emit(.safetyNumber(target, number: number, changed: changed))
            } else {
                print("safety number with \(target): \(number)")
                if changed { print("WARNING: \(target)'s key changed since first seen; if the numbers match, run: juice verify \(target) --user \(username) --accept") }
            }
        }
    }
}
