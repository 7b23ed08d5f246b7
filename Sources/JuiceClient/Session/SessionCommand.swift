import Foundation
import JuiceCore

/// One line typed into an interactive session, parsed (pure; no I/O).
public enum SessionCommand: Equatable, Sendable {
    case message(to: String, text: String)
    case select(String)
    case say(String)
    case buddies
    case add(String)
    case accept(String)
    case remove(String)
    case status(PresenceStatus, String)
    case capabilities(camera: Bool?, mic: Bool?)
    /// `/verify NAME [accept NUMBER]`: NUMBER is the safety number compared out of band.
    case verify(String, accept: String?)
    /// `/history NAME [N]`: the last N messages with NAME (default 20).
    case history(String, last: Int)
    case quit
    case help
    case empty
    /// Not a valid command; the reason is one line.
    case invalid(String)

    /// Parses a line.
    public init(line: String) {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty else { self = .empty; return }
        guard trimmed.hasPrefix("/") else { self = .say(trimmed); return }
        let parts = trimmed.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true).map(String.init)
        let argument = parts.count > 1 ? parts[1] : nil
        let rest = parts.count > 2 ? parts[2] : ""
        switch parts[0] {
        case "/msg":
            guard let argument, !rest.isEmpty else { self = .invalid("usage: /msg NAME text"); return }
            self = .message(to: argument, text: rest)
        case "/to": self = argument.map(SessionCommand.select) ?? .invalid("usage: /to NAME")
        case "/buddies": self = .buddies
        case "/add": self = argument.map(SessionCommand.add) ?? .invalid("usage: /add NAME")
        case "/accept": self = argument.map(SessionCommand.accept) ?? .invalid("usage: /accept NAME")
        case "/remove": self = argument.map(SessionCommand.remove) ?? .invalid("usage: /remove NAME")
        case "/verify":
            let accepted = rest.hasPrefix("accept ") ? rest.dropFirst(7).trimmingCharacters(in: .whitespaces) : nil
            guard let argument, rest.isEmpty || accepted?.isEmpty == false else { self = .invalid("usage: /verify NAME [accept SAFETY-NUMBER]"); return }
            self = .verify(argument, accept: accepted)
        case "/history":
            let last = rest.isEmpty ? 20 : Int(rest)
            guard let argument, let last, (1...10_000).contains(last) else { self = .invalid("usage: /history NAME [N], N from 1 to 10000 (default 20)"); return }
            self = .history(argument, last: last)
        case "/status":
            guard let argument, let status = PresenceStatus(rawValue: argument) else {
                self = .invalid("usage: /status online|away|busy [text]"); return
            }
            self = .status(status, rest)
        case "/caps":
            var camera: Bool?, mic: Bool?
            for setting in parts.dropFirst().joined(separator: " ").split(separator: " ") {
                let pair = setting.split(separator: "=")
                guard pair.count == 2, ["on", "off"].contains(pair[1]) else { self = .invalid("usage: /caps camera=on|off mic=on|off"); return }
                switch pair[0] {
                case "camera": camera = pair[1] == "on"
                case "mic": mic = pair[1] == "on"
                default: self = .invalid("usage: /caps camera=on|off mic=on|off"); return
                }
            }
            self = camera == nil && mic == nil ? .invalid("usage: /caps camera=on|off mic=on|off") : .capabilities(camera: camera, mic: mic)
        case "/quit": self = .quit
        case "/help": self = .help
        default: self = .invalid("unknown command \(parts[0]); try /help")
        }
    }
}
