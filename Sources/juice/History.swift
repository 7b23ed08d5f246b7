import ArgumentParser
import Foundation
import Glibc
import JuiceClient
import JuiceCore

/// `juice history [BUDDY] --user NAME`, and `juice history --user NAME --delete`.
struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show or export your message history, kept encrypted on this machine; or delete it.",
        discussion: """
        The history is opened with your password, on this machine only: no server is called, so it works offline. \
        It is kept per service, as the pinned keys are: --server and --realm say whose (the defaults are login's). \
        One line per message, oldest first: local time, -> sent or <- received, the buddy, the state (sent, delivered, queued, received, failed, expired), the text. \
        --json prints each message as one JSON object per line (time in UTC, RFC 3339 with milliseconds), --markdown a document. \
        With no history yet it says so and exits 0; a wrong password is an error (exit 1). \
        --delete removes the whole history of --user on this machine (for this server and realm) without asking for the password; \
        on a terminal it asks first, elsewhere it needs --yes. It exits 0 when there was nothing to delete, and says so.
        """
    )

    @Argument(help: "Only messages with this buddy (default: every buddy).") var buddy: String?
    @OptionGroup var actor: Buddy.Actor
    @Option(name: .long, help: ArgumentHelp("Only messages from DATE on: YYYY-MM-DD (midnight, local time) or an RFC 3339 time.", valueName: "date"))
    var since: String?
    @Option(name: .long, help: ArgumentHelp("Only messages whose text contains TEXT, ignoring case.", valueName: "text"))
    var grep: String?
    @Option(name: .long, help: ArgumentHelp("Only the last N messages (after the other filters).", valueName: "n"))
    var last: Int?
    @Flag(name: .long, help: "Export as a Markdown document.") var markdown = false
    @Flag(name: .long, help: "Delete the whole history of --user on this machine.") var delete = false
    @Flag(name: .long, help: "With --delete: do not ask first.") var yes = false
    @OptionGroup var options: ClientOptions

    func validate() throws {
        if let buddy { _ = try parseUsername(buddy, "BUDDY") }
        if let since, HistoryTime.parseSince(since) == nil {
            throw ValidationError("--since: not a date (YYYY-MM-DD) or an RFC 3339 time: \(since)")
        }
        if let last, last < 1 { throw ValidationError("--last must be 1 or more") }
        if markdown, options.json { throw ValidationError("choose one of --json and --markdown") }
        if delete {
            guard buddy == nil, since == nil, grep == nil, last == nil, !markdown else {
                throw ValidationError("--delete removes the whole history of --user; it takes no BUDDY, --since, --grep, --last or --markdown")
            }
        } else if yes {
            throw ValidationError("--yes goes with --delete")
        }
    }

    func run() async throws {
        let username = try actor.username()
        let service = try options.makeService()
        let file = service.historyFile(for: username)
        if delete { return try deleteHistory(of: username, file: file, service: service) }
        guard FileManager.default.fileExists(atPath: file.path) else {
            return say("no history of \(username) on this machine yet (\(file.path))")
        }
        let keys = try options.keys(for: username, service: service)
        let entries = try HistoryFile.read(file: file, key: LocalKeys(keyEncryptionKey: keys.keyEncryptionKey).history) ?? []
        let selected = entries.matching(buddy: buddy, since: since.flatMap { HistoryTime.parseSince($0) }, grep: grep, last: last)
        let output = LineWriter.standardOutput
        if markdown {
            output.write(String(HistoryMarkdown.document(selected, user: username.value, buddy: buddy).dropLast()))
        } else if options.json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for entry in selected { output.write(String(decoding: try encoder.encode(entry), as: UTF8.self)) }
        } else {
            for entry in selected { output.write(entry.line()) }
            if selected.isEmpty { output.write("no messages" + (buddy.map { " with \($0)" } ?? "") + " match") }
        }
    }

    /// Removes the file, after asking on a terminal.
    private func deleteHistory(of username: Username, file: URL, service: JuiceService) throws {
        guard FileManager.default.fileExists(atPath: file.path) else {
            return report(deleted: false, username, file, "no history of \(username) on this machine to delete (\(file.path))")
        }
        if !yes {
            guard isatty(STDIN_FILENO) == 1 else { throw ValidationError("--delete asks first on a terminal; without one, add --yes") }
            FileHandle.standardError.write(Data("Delete all of \(username)'s message history on this machine (\(file.path))? It cannot be undone. [y/N] ".utf8))
            guard let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased(), ["y", "yes"].contains(answer) else {
                throw HistoryKept(username: username)
            }
        }
        // Not under a running session, which would go on writing to the deleted file.
        let lock = try StateDirectoryLock.acquire(service.stateDirectory(for: username), for: username)
        defer { withExtendedLifetime(lock) {} }
        try HistoryFile.delete(file: file)
        report(deleted: true, username, file, "deleted the message history of \(username) (\(file.path))")
    }

    private func report(deleted: Bool, _ username: Username, _ file: URL, _ text: String) {
        let event = #"{"deleted":\#(deleted),"event":"history-deleted","file":\#(jsonString(file.path)),"username":"\#(username)"}"#
        LineWriter.standardOutput.write(options.json ? event : text)
    }

    /// A note that is no data: on standard output in plain mode, else on standard error so that
    /// the JSON or Markdown output stays clean.
    private func say(_ text: String) {
        if options.json || markdown {
            FileHandle.standardError.write(Data("juice: \(text)\n".utf8))
        } else {
            LineWriter.standardOutput.write(text)
        }
    }

    private func jsonString(_ text: String) -> String {
        (try? JSONEncoder().encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}

/// The answer to the question was not yes.
struct HistoryKept: Error, CustomStringConvertible {
    let username: Username
    var description: String { "kept the history of \(username): nothing deleted" }
}
