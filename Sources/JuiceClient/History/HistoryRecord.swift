import Foundation

/// One record of the history file: a new entry, or a later state of one (docs/protocol.md 6).
enum HistoryRecord: Codable, Sendable, Equatable {
    /// A new entry.
    case entry(HistoryEntry)
    /// A new state for the entry with this buddy, direction and ID.
    case state(StateChange)

    /// A later state of an entry.
    struct StateChange: Codable, Sendable, Equatable {
        var id: String
        var buddy: String
        var direction: HistoryEntry.Direction
        var state: HistoryEntry.State
    }

    private enum CodingKeys: String, CodingKey { case entry, state }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let entry = try c.decodeIfPresent(HistoryEntry.self, forKey: .entry) {
            self = .entry(entry)
        } else {
            self = .state(try c.decode(StateChange.self, forKey: .state))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .entry(let entry): try c.encode(entry, forKey: .entry)
        case .state(let change): try c.encode(change, forKey: .state)
        }
    }

    /// What identifies an entry: de-duplication and state changes use it.
    struct Key: Hashable, Sendable {
        var buddy: String
        var direction: HistoryEntry.Direction
        var id: String
    }

    var key: Key {
        switch self {
        case .entry(let e): Key(buddy: e.buddy, direction: e.direction, id: e.id)
        case .state(let s): Key(buddy: s.buddy, direction: s.direction, id: s.id)
        }
    }
}

extension HistoryEntry {
    /// What identifies this entry.
    var key: HistoryRecord.Key { HistoryRecord.Key(buddy: buddy, direction: direction, id: id) }
}
