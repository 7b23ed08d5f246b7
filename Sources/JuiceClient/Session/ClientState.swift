import Foundation
import JuiceCore

/// Where a client keeps its per-user files (pinned keys, replay state), scoped by service as
/// `known_hosts` is scoped by host: `BASE/SERVICE/USER`, where SERVICE is `realm@host:port`
/// (``JuiceService/scope``) and BASE is `$JUICE_HOME`, else `$XDG_STATE_HOME/juice/client`,
/// else `$HOME/.local/state/juice/client`.
public enum ClientState {
    /// The state directory of `username` on the service named `scope`.
    public static func directory(for username: Username, scope: String, environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        base(environment).appendingPathComponent(pathComponent(scope), isDirectory: true).appendingPathComponent(username.value, isDirectory: true)
    }

    private static func base(_ environment: [String: String]) -> URL {
        if let home = nonEmpty(environment["JUICE_HOME"]) { return URL(fileURLWithPath: home, isDirectory: true) }
        let state = nonEmpty(environment["XDG_STATE_HOME"]) ?? ((nonEmpty(environment["HOME"]) ?? NSHomeDirectory()) + "/.local/state")
        return URL(fileURLWithPath: state, isDirectory: true).appendingPathComponent("juice/client", isDirectory: true)
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }

    /// The scope as one safe path component: anything but `A-Z a-z 0-9 . _ - @ : [ ]` as `%XX`.
    static func pathComponent(_ scope: String) -> String {
        let safe = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-@:[]".utf8)
        let component = scope.utf8.map { safe.contains($0) ? String(UnicodeScalar($0)) : String(format: "%%%02X", $0) }.joined()
        return component == "." || component == ".." ? "%2E" + component.dropFirst() : component
    }
}
