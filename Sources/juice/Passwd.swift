import ArgumentParser
import Foundation
import JuiceClient
import JuiceCore

/// `juice passwd NAME`.
struct Passwd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Change your password; the identity key and this machine's history are re-sealed and other sessions end.",
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
        var new: AccountKeys?
        try await authenticated(service, username, keys: current) { login in
            // Argon2id for the new password only once the login has proved the current one.
            let keys = try AccountKeys.derive(password: newPassword, username: username, realm: service.realm)
            try await service.changePassword(current: current, new: keys, identity: login.sealedIdentity)
            new = keys
        }
        if let new { try resealHistory(service.historyFile(for: username), from: current, to: new) }
        LineWriter.standardOutput.write(options.json ? #"{"event":"password-changed","username":"\#(username)"}"# : "password changed for \(username)")
    }
}

/// Re-seals the local history under the new password's key; on failure the password is changed
/// but the history still opens with the old one (`juice history` asks for it), and the error says so.
private func resealHistory(_ file: URL, from current: AccountKeys, to new: AccountKeys) throws {
    do {
        try HistoryFile.reseal(
            file: file, from: LocalKeys(keyEncryptionKey: current.keyEncryptionKey).history,
            to: LocalKeys(keyEncryptionKey: new.keyEncryptionKey).history
        )
    } catch {
        throw InvalidValue("the password is changed, but the history on this machine was not re-sealed (\(error)); it still opens with the old password")
    }
}
