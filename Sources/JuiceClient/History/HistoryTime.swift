import Foundation

/// Times in the history and on the `juice history` command line.
public enum HistoryTime {
    /// RFC 3339 in UTC with milliseconds: `2026-11-22T15:03:39.123Z`.
    public static func format(_ date: Date) -> String {
        // From whole milliseconds: a formatter would truncate 0.123 stored as 0.12299… to .122.
        var (seconds, milliseconds) = wholeMilliseconds(date).quotientAndRemainder(dividingBy: 1000)
        if milliseconds < 0 { seconds -= 1; milliseconds += 1000 }
        let whole = Date(timeIntervalSince1970: Double(seconds)).formatted(Date.ISO8601FormatStyle())
        return whole.dropLast() + "." + String(1000 + milliseconds).dropFirst() + "Z"
    }

    /// `date` in whole Unix milliseconds, clamped to ±10^15 (about 31,000 years): total, so no
    /// time from a file or a buddy can trap.
    static func wholeMilliseconds(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1000).rounded()
        return value.isNaN ? 0 : Int64(min(max(value, -1e15), 1e15))
    }

    /// An RFC 3339 time, with or without fractional seconds, to the millisecond; nil if it is not one.
    public static func parse(_ text: String) -> Date? {
        let normalized = text.replacingOccurrences(of: "t", with: "T").replacingOccurrences(of: "z", with: "Z")
        let date = (try? Date(normalized, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
            ?? (try? Date(normalized, strategy: Date.ISO8601FormatStyle()))
        return date.map(HistoryEntry.milliseconds)
    }

    /// `--since`: `YYYY-MM-DD` (midnight, local time) or an RFC 3339 time; nil if neither.
    public static func parseSince(_ text: String, timeZone: TimeZone = .current) -> Date? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        if parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
           let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]) {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = timeZone
            let components = DateComponents(year: year, month: month, day: day)
            guard components.isValidDate(in: calendar) else { return nil }
            return calendar.date(from: components)
        }
        return parse(text)
    }

    /// `2026-11-22 16:03:39` in local time (or `timeZone`).
    public static func local(_ date: Date, timeZone: TimeZone = .current) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }
}
