import Foundation

/// `juice history --markdown`: a readable export, one list item per message under a heading
/// per day, in local time. Text is escaped so that it renders as written, and control
/// characters show as ``TerminalText`` shows them.
public enum HistoryMarkdown {
    /// The whole document for `user`'s entries (with `buddy`, or everyone when nil).
    public static func document(_ entries: [HistoryEntry], user: String, buddy: String?, timeZone: TimeZone = .current) -> String {
        var lines = ["# Juice history of \(escape(user))" + (buddy.map { " with \(escape($0))" } ?? ""), ""]
        if entries.isEmpty { lines.append("No messages.") }
        var day = ""
        for entry in entries {
            let stamp = HistoryTime.local(entry.time, timeZone: timeZone)
            let date = String(stamp.prefix(10)), time = String(stamp.suffix(8))
            if date != day {
                if !day.isEmpty { lines.append("") }
                lines += ["## \(date)", ""]
                day = date
            }
            let (from, to) = entry.direction == .sent ? (user, entry.buddy) : (entry.buddy, user)
            let body = entry.text.split(separator: "\n", omittingEmptySubsequences: false)
                .map { escape(TerminalText.visible(String($0.hasSuffix("\r") ? $0.dropLast() : $0))) }
            lines.append("- **\(time)** \(escape(from)) → \(escape(to)) (\(entry.stateDescription)): " + body.joined(separator: "  \n  "))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `text` with Markdown's inline markers backslash-escaped, and at the start of a line the
    /// block markers too (a heading, list item, quote or numbered item).
    static func escape(_ text: String) -> String {
        var result = ""
        for character in text {
            if "\\`*_[]<>|~".contains(character) { result.append("\\") }
            result.append(character)
        }
        if let first = result.first, "#-+=".contains(first) { return "\\" + result }
        if let digits = result.firstIndex(where: { !$0.isASCII || !$0.isNumber }), digits != result.startIndex, ".)".contains(result[digits]) {
            result.insert("\\", at: digits)
        }
        return result
    }
}
