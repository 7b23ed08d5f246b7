import JuiceCore

extension BuddySessions {
    /// A chat message sent and not yet confirmed, and the link it last went out on.
    struct Unconfirmed: Sendable {
        let id: MessageID
        let text: String
        var link: LinkID
    }

    /// The last message IDs received from one buddy, oldest first.
    struct RecentIDs: Sendable {
        private(set) var ids: Set<MessageID> = []
        private var order: [MessageID] = []

        /// Remembers `id`; false if it was remembered already.
        mutating func insert(_ id: MessageID, keeping limit: Int) -> Bool {
            guard ids.insert(id).inserted else { return false }
            order.append(id)
            if order.count > limit { ids.remove(order.removeFirst()) }
            return true
        }
    }

    /// Unconfirmed messages kept per buddy, and message IDs remembered per buddy.
    static let maxUnconfirmed = 256, rememberedIDs = 256
    /// The link of a message that waits for a session being set up.
    static let notSent: LinkID = 0

    /// Keeps a message sent on `link` until its receipt comes.
    mutating func keepUnconfirmed(_ id: MessageID, text: String, to name: Username, on link: LinkID) {
        outbox[name, default: []].append(Unconfirmed(id: id, text: text, link: link))
        if outbox[name]!.count > Self.maxUnconfirmed { outbox[name]!.removeFirst() }
    }

    /// Forgets a confirmed message; false if it was not waiting.
    mutating func confirm(_ id: MessageID, from name: Username) -> Bool {
        guard let index = outbox[name]?.firstIndex(where: { $0.id == id }) else { return false }
        outbox[name]!.remove(at: index)
        return true
    }

    /// What went out on a session that another replaced, unconfirmed: sent again, with the same
    /// IDs, on the session that stays (the receiver shows each ID once).
    mutating func resendUnconfirmed(to name: Username, on link: LinkID) -> [SessionAction] {
        guard var waiting = outbox[name] else { return [] }
        var actions: [SessionAction] = []
        for index in waiting.indices where waiting[index].link != link {
            waiting[index].link = link
            actions.append(.send(link, .chat(id: waiting[index].id, text: waiting[index].text)))
        }
        outbox[name] = waiting
        return actions
    }

    /// The buddy left after all: messages that waited for the session being set up were never
    /// sent, and the user is told how many.
    mutating func dropUnsent(to name: Username) -> [SessionAction] {
        let unsent = outbox[name]?.filter { $0.link == Self.notSent }.count ?? 0
        outbox[name]?.removeAll { $0.link == Self.notSent }
        return unsent == 0 ? [] : [.report(.error("\(name) went offline: \(unsent) message\(unsent == 1 ? "" : "s") not sent"))]
    }

    /// True the first time a message ID arrives from `name` (among the last ``rememberedIDs``).
    mutating func firstSight(of id: MessageID, from name: Username) -> Bool {
        received[name, default: RecentIDs()].insert(id, keeping: Self.rememberedIDs)
    }
}
