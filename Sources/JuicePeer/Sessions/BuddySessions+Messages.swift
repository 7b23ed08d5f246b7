import JuiceCore

extension BuddySessions {
    // MARK: Chat

    /// Sends a chat message, or throws the one-line reason it cannot go now.
    public mutating func send(text: String, id: MessageID, to name: Username) throws(InvalidValue) -> [SessionAction] {
        if let refusal = refusal(to: name) { throw InvalidValue(refusal) }
        guard !text.isEmpty else { throw InvalidValue("the message is empty") }
        guard text.utf8.count <= TransportMessage.maxTextBytes else {
            throw InvalidValue("the message is longer than \(TransportMessage.maxTextBytes) bytes")
        }
        guard let link = active[name] else {
            keepUnconfirmed(id, text: text, to: name, on: Self.notSent) // sent when the session being set up is
            return []
        }
        keepUnconfirmed(id, text: text, to: name, on: link)
        return [.send(link, .chat(id: id, text: text))]
    }

    /// Why a message to `name` cannot go now, or nil when it can.
    func refusal(to name: Username) -> String? {
        switch route(to: name) {
        case .session: nil
        case .offline: "\(name) is offline"
        case .refused(let reason): reason
        }
    }

    /// Where a message to `name` goes now: to a session, to the server to wait (the buddy is
    /// offline and their key trusted), or nowhere, for a reason.
    public func route(to name: Username) -> MessageRoute {
        guard let buddy = buddies[name] else { return .refused("\(name) is not your buddy") }
        switch trust[name] {
        case .shared: return .refused(SharedKeys.warning([name.value]))
        case .changed: return .refused("\(name)'s key changed; compare /verify \(name), then /verify \(name) accept NUMBER")
        default: break
        }
        // While a departure is held for a session being set up, a message waits for that session.
        guard active[name] == nil, departing[name] == nil else { return .session }
        // Online as the server says, but no path ever reached this login of theirs: no route.
        guard buddy.peerID.isOnline, reached[name] != buddy.peerID else {
            return trust[name] == .trusted ? .offline(publicKey: buddy.publicKey) : .refused("\(name) is offline")
        }
        return .refused("no route to \(name) yet: no direct or relayed path answered; still trying")
    }

    /// The pinned key of `name` when it is trusted (what the server states matches the pin).
    public func trustedKey(of name: Username) -> [UInt8]? {
        guard let buddy = buddies[name], trust[name] == .trusted else { return nil }
        return buddy.publicKey
    }

    // MARK: Unconfirmed messages

    /// Chat messages sent to one buddy and not yet confirmed, oldest first, each with the link it
    /// last went out on. At most `limit` are kept: past it the oldest is forgotten (it will not
    /// be sent again). Adding and confirming cost O(1), amortised.
    struct Outbox: Sendable {
        private var waiting: [MessageID: (text: String, link: LinkID)] = [:]
        /// Every ID added, oldest first, from `head` on; confirmed ones are skipped, and dropped
        /// when the array is compacted.
        private var order: [MessageID] = []
        private var head = 0

        var isEmpty: Bool { waiting.isEmpty }

        mutating func add(_ id: MessageID, text: String, link: LinkID, limit: Int) {
            waiting[id] = (text, link)
            order.append(id)
            while waiting.count > limit, head < order.count {
                waiting[order[head]] = nil
                head += 1
            }
            if order.count - head > 2 * limit || head > limit {
                order = order[head...].filter { waiting[$0] != nil }
                head = 0
            }
        }

        /// Forgets a confirmed message.
        mutating func confirm(_ id: MessageID) { waiting[id] = nil }

        /// The messages not last sent on `link`, oldest first, now marked as sent on it.
        mutating func moving(to link: LinkID) -> [(id: MessageID, text: String)] {
            var moved: [(id: MessageID, text: String)] = []
            for id in order[head...] {
                guard let entry = waiting[id], entry.link != link else { continue }
                waiting[id] = (entry.text, link)
                moved.append((id, entry.text))
            }
            return moved
        }

        /// Forgets the messages last sent on `link`; returns how many.
        mutating func drop(sentOn link: LinkID) -> Int {
            let dropped = waiting.filter { $0.value.link == link }.keys
            dropped.forEach { waiting[$0] = nil }
            return dropped.count
        }
    }

    /// The last message IDs received from one buddy (a ring of `limit`).
    struct RecentIDs: Sendable {
        private(set) var ids: Set<MessageID> = []
        private var ring: [MessageID] = []
        private var next = 0

        /// Remembers `id`; false if it was remembered already.
        mutating func insert(_ id: MessageID, keeping limit: Int) -> Bool {
            guard ids.insert(id).inserted else { return false }
            if ring.count < limit {
                ring.append(id)
            } else {
                ids.remove(ring[next])
                ring[next] = id
                next = (next + 1) % limit
            }
            return true
        }
    }

    /// Unconfirmed messages kept per buddy, and message IDs remembered per buddy.
    static let maxUnconfirmed = 256, rememberedIDs = 256
    /// The link of a message that waits for a session being set up.
    static let notSent: LinkID = 0

    /// Keeps a message sent on `link` until its receipt comes.
    mutating func keepUnconfirmed(_ id: MessageID, text: String, to name: Username, on link: LinkID) {
        outbox[name, default: Outbox()].add(id, text: text, link: link, limit: Self.maxUnconfirmed)
    }

    /// What went out on a session that another replaced, unconfirmed: sent again, with the same
    /// IDs, on the session that stays (the receiver shows each ID once).
    mutating func resendUnconfirmed(to name: Username, on link: LinkID) -> [SessionAction] {
        (outbox[name]?.moving(to: link) ?? []).map { .send(link, .chat(id: $0.id, text: $0.text)) }
    }

    /// The buddy left after all: messages that waited for the session being set up were never
    /// sent, and the user is told how many.
    mutating func dropUnsent(to name: Username) -> [SessionAction] {
        let unsent = outbox[name]?.drop(sentOn: Self.notSent) ?? 0
        return unsent == 0 ? [] : [.report(.error("\(name) went offline: \(unsent) message\(unsent == 1 ? "" : "s") not sent"))]
    }

    /// True the first time a message ID arrives from `name` (among the last ``rememberedIDs``).
    mutating func firstSight(of id: MessageID, from name: Username) -> Bool {
        received[name, default: RecentIDs()].insert(id, keeping: Self.rememberedIDs)
    }
}
