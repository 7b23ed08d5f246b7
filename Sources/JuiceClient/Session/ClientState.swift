import Foundation
import JuiceCore

/// Where a client keeps its per-user files (pinned keys, replay state): `$JUICE_HOME/USER`,
/// else `$XDG_STATE_HOME/juice/client/USER`, else `~/.local/state/juice/client/USER`.
public enum ClientState {
    public static func directory(for username: Username) -> URL {
        let environment = ProcessInfo.processInfo.environment
        let base: URL = if let home = environment["JUICE_HOME"] {
            URL(fileURLWithPath: home)
        } else {
            URL(fileURLWithPath: environment["XDG_STATE_HOME"] ?? NSHomeDirectory() + "/.local/state").appendingPathComponent("juice/client")
        }
        return base.appendingPathComponent(username.value)
    }
}
