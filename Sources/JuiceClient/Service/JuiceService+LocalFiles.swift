import Foundation
import JuiceCore

extension JuiceService {
    /// `username`'s history file on this machine for this service: `history` in the state directory.
    public func historyFile(for username: Username) -> URL {
        stateDirectory(for: username).appendingPathComponent(HistoryFile.fileName)
    }
}

extension JuiceService {
    /// `username`'s one-time prekey secrets on this machine: `prekeys` in the state directory.
    public func prekeyFile(for username: Username) -> URL {
        stateDirectory(for: username).appendingPathComponent("prekeys")
    }
}

extension HistoryFile {
    /// The history file's name in a user's state directory.
    public static let fileName = "history"
}
