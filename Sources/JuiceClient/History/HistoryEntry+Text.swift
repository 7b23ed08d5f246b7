import Foundation

extension HistoryEntry {
    /// One line for people: local time, arrow (`->` sent, `<-` received), buddy, state, text,
    /// e.g. `2026-11-22 16:03:39 -> bob [delivered] hello`. Safe to print (``TerminalText``):
    /// a multi-line text goes on as indented continuation lines.
    public func line(timeZone: TimeZone = .current) -> String {
        TerminalText.visible(unescapedLine(timeZone: timeZone))
    }

    /// ``line(timeZone:)`` before it is made safe.
    func unescapedLine(timeZone: TimeZone) -> String {
        "\(HistoryTime.local(time, timeZone: timeZone)) \(direction.arrow) \(buddy) [\(stateDescription)] \(text)"
    }

    /// The state with what else matters: `delivered`, `received, waiting, not forward secret`.
    var stateDescription: String {
        [state.rawValue, waiting ? "waiting" : nil, forwardSecret == false ? "not forward secret" : nil].compactMap { $0 }.joined(separator: ", ")
    }
}

extension HistoryEntry.Direction {
    /// `->` for sent, `<-` for received.
    var arrow: String { self == .sent ? "->" : "<-" }
}
