import ArgumentParser
import Foundation
import JuiceClient
import JuiceCore
import JuicePeer

/// `juice passwd NAME`.
struct Passwd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Change your password; the identity key, this machine's history and its prekey secrets are re-sealed and other sessions end.",
        discussion: "With --password-stdin, the first line is the current password and the second the new one. After a password change on another machine, the history and prekey secrets here still open only with the old password: --local-only re-seals them (first the old password, then the new one, which a login checks); nothing changes on the server."
    )

    @Flag(name: .long, help: "The password was changed elsewhere: only re-seal this machine's history and prekey secrets from the old password to the new one.")
    var localOnly = false

    @Argument(help: "Your username.")
    var name: String

    @OptionGroup var options: ClientOptions

    func run() async throws {
        let username = try parseUsername(name)
        let service = try options.makeService()
        if localOnly { return try await resealOnly(username, service) }
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
        if let new { try resealLocalFiles(service, username, from: current, to: new) }
        LineWriter.standardOutput.write(options.json ? #"{"event":"password-changed","username":"\#(username)"}"# : "password changed for \(username)")
    }

    /// `--local-only`: the old password opens the files, a login proves the new one, then they are re-sealed.
    private func resealOnly(_ username: Username, _ service: JuiceService) async throws {
        let old = try AccountKeys.derive(password: try options.passwords.read(prompt: "Old password: "), username: username, realm: service.realm)
        let new = try AccountKeys.derive(password: try options.passwords.read(prompt: "New (current) password: "), username: username, realm: service.realm)
        try await authenticated(service, username, keys: new) { _ in }
        try resealLocalFiles(service, username, from: old, to: new)
        LineWriter.standardOutput.write(options.json ? #"{"event":"resealed","username":"\#(username)"}"# : "re-sealed the history and prekey secrets of \(username) on this machine under the new password")
    }
}

/// Re-seals the local history and the prekey store under the new password's keys; on failure the
/// password is changed but the file still opens with the old one, and the error says so.
private func resealLocalFiles(_ service: JuiceService, _ username: Username, from current: AccountKeys, to new: AccountKeys) throws {
    // A session of this user here ends once the server revoked it (a password change ends every
    // other session); its files are re-sealed after that, not under it.
    let lock: StateDirectoryLock
    do {
        lock = try StateDirectoryLock.acquire(service.stateDirectory(for: username), for: username, wait: .seconds(30))
    } catch {
        throw InvalidValue("the local files were not re-sealed: \(error); then run juice passwd \(username) --local-only")
    }
    defer { withExtendedLifetime(lock) {} }
    let old = try LocalKeys(keyEncryptionKey: current.keyEncryptionKey), next = try LocalKeys(keyEncryptionKey: new.keyEncryptionKey)
    do {
        try HistoryFile.reseal(file: service.historyFile(for: username), from: old.history, to: next.history)
    } catch {
        throw InvalidValue("the password is changed, but the history on this machine was not re-sealed (\(error)); it still opens with the old password")
    }
    do {
        try PrekeyStore.reseal(file: service.prekeyFile(for: username), from: old.prekeys, to: next.prekeys)
    } catch {
        throw InvalidValue("the password is changed, but this machine's prekey secrets were not re-sealed (\(error)); remove \(service.prekeyFile(for: username).path) to start a new store (messages sealed to the old prekeys will not open)")
    }
}
