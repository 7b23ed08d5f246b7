import Foundation

extension [HistoryEntry] {
    /// The entries with `buddy`, from `since` on, whose text contains `grep` (ignoring case), the
    /// last `last` of them.
    public func matching(buddy: String? = nil, since: Date? = nil, grep: String? = nil, last: Int? = nil) -> [HistoryEntry] {
        let selected = filter { entry in
            (buddy.map { entry.buddy == $0 } ?? true)
                && (since.map { entry.time >= $0 } ?? true)
                && (grep.map { $0.isEmpty || entry.text.range(of: $0, options: [.caseInsensitive]) != nil } ?? true)
        }
        guard let last else { return selected }
        return Array(selected.suffix(Swift.max(0, last)))
    }
}
