import Foundation
import JuiceCore
import NIOCore
import NIOPosix

extension PeerNetwork {
    /// Dials a buddy unless a session exists, their key is blocked or shared, or they look offline.
    func dial(_ buddy: Buddy) {
        guard !shuttingDown, let identity, let endpoint = buddy.endpoint, buddy.peerID.isOnline, peerID.isOnline,
              !distrusts(buddy.username), active[buddy.username] == nil,
              !links.values.contains(where: { $0.buddy == buddy.username && $0.initiatedByMe && !$0.established }) else { return }
        let handshake: HandshakeInitiator
        do {
            handshake = try HandshakeInitiator(
                localStatic: identity, remoteStatic: buddy.publicKey, timestamp: AdmissionPolicy.nowMilliseconds(),
                initiatorPeerID: peerID, responderPeerID: buddy.peerID, presence: presence
            )
        } catch {
            emit(.error("cannot start a handshake with \(buddy.username): \(error)"))
            return
        }
        let (connection, actions) = PeerConnection.initiator(handshake, localStatic: identity, remoteStatic: buddy.publicKey, presence: presence)
        let id = linkIDs.next()
        links[id] = Link(handler: nil, buddy: buddy.username, initiatedByMe: true, remotePeerID: buddy.peerID)
        let connect = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(5))
            .channelOption(.recvAllocator, value: Self.receiveAllocator)
            .channelInitializer { [keepalive, sink] channel in
                PeerChannelHandler.install(on: channel, linkID: id, connection: connection, actions: actions, keepalive: keepalive, policy: nil, sink: { sink.yield($0) })
            }
            .connect(host: endpoint.host, port: endpoint.port)
        connect.whenFailure { [sink] _ in sink.yield(.closed(linkID: id, graceful: false, reason: "connection refused")) }
    }

    func handle(_ event: PeerChannelHandler.Event) {
        switch event {
        case let .opened(id, handler):
            links[id, default: Link(handler: nil, buddy: nil, initiatedByMe: false, remotePeerID: nil)].handler = handler
            if shuttingDown { links[id]?.closeNow() }
        case let .established(id, remoteStatic, remotePeerID, presence, timestamp):
            established(id, remoteStatic: remoteStatic, remotePeerID: remotePeerID, presence: presence, timestamp: timestamp)
        case let .received(id, message):
            received(id, message)
        case let .closed(id, graceful, reason):
            closed(id, graceful: graceful, reason: reason)
        }
    }

    private func established(_ id: Int, remoteStatic: [UInt8], remotePeerID: PeerID?, presence: PeerPresence, timestamp: UInt64) {
        guard var link = links[id] else { return }
        let name: Username
        if link.initiatedByMe, let buddy = link.buddy {
            name = buddy
        } else {
            guard let buddy = policy.username(for: remoteStatic) else { return link.closeNow() }
            name = buddy
            policy.replayGuard.record(key: remoteStatic, timestamp: timestamp)
            link.remotePeerID = remotePeerID
        }
        guard buddies[name] != nil, !distrusts(name) else { return link.closeNow() } // removed or distrusted meanwhile
        link.buddy = name
        link.established = true
        link.timestamp = timestamp
        link.presence = presence
        links[id] = link
        var replaced: Link?
        if let existingID = active[name], existingID != id, let existing = links[existingID] {
            let loser = keeps(link, over: existing, name) ? existingID : id
            links[loser]?.buddy = nil
            links[loser]?.closeNow()
            guard loser == existingID else { return }
            replaced = existing
        }
        active[name] = id
        retries.removeValue(forKey: name)?.cancel()
        let endpoint: String?
        if var buddy = buddies[name] {
            if let peer = link.remotePeerID, peer != buddy.peerID {
                buddy.peerID = peer
                buddy.endpoint = nil // the server's endpoint belongs to the old login
            }
            buddies[name] = buddy
            endpoint = buddy.endpoint?.description
        } else {
            endpoint = nil
        }
        // `online` once per arrival: a session that replaces a live one reports only a new status.
        if let replaced {
            if replaced.presence != presence { emit(.presence(name, presence)) }
        } else {
            emit(.online(name, peerID: link.remotePeerID ?? .offline, endpoint: endpoint, presence: presence))
        }
    }

    /// Ends everything with a buddy who is no longer in the list, or no longer trusted: the live
    /// session with a goodbye, and any redial.
    func endSession(with name: Username, reason: String = "removed") {
        retries.removeValue(forKey: name)?.cancel()
        guard let id = active.removeValue(forKey: name) else { return }
        links[id]?.buddy = nil // its close reports nothing more
        links[id]?.send(.goodbye) // the handler closes once the goodbye is written
        emit(.offline(name, reason: reason))
    }

    /// True when a buddy's key changed since it was pinned, or is stated for someone else too.
    func distrusts(_ name: Username) -> Bool {
        blocked.contains(name) || shared.contains(name)
    }

    private func received(_ id: Int, _ message: TransportMessage) {
        guard let link = links[id], link.established, let name = link.buddy, active[name] == id else { return }
        switch message {
        case let .chat(messageID, text):
            emit(.message(from: name, id: messageID, text: text)) // the receipt already went back
        case .delivered(let messageID):
            emit(.delivered(to: name, id: messageID))
        case .presence(let presence):
            links[id]?.presence = presence
            emit(.presence(name, presence))
        case .hello, .ping, .pong, .goodbye:
            break
        }
    }

    private func closed(_ id: Int, graceful: Bool, reason: String) {
        guard let link = links.removeValue(forKey: id) else { return }
        guard let name = link.buddy, link.established, active[name] == id else { return }
        active[name] = nil
        guard !shuttingDown else { return } // we are the one leaving
        emit(.offline(name, reason: reason))
        if !graceful { scheduleRetry(name) }
    }

    /// Redials a buddy whose connection was lost, with exponential backoff (0.5 s doubling to
    /// 30 s), for as long as their lease may still be valid.
    private func scheduleRetry(_ name: Username) {
        retries[name]?.cancel()
        let deadline = ContinuousClock.now + retryWindow
        retries[name] = Task { [weak self] in
            var delay = Duration.milliseconds(500)
            while ContinuousClock.now < deadline && !Task.isCancelled {
                try? await Task.sleep(for: delay)
                guard let self, !Task.isCancelled else { return }
                guard await self.redial(name) else { return }
                delay = min(delay * 2, .seconds(30))
            }
        }
    }

    /// Dials again; false once a session exists or the buddy is gone.
    private func redial(_ name: Username) -> Bool {
        guard active[name] == nil, let buddy = buddies[name], !shuttingDown else { return false }
        dial(buddy)
        return true
    }
}

extension PeerNetwork.Link {
    func closeNow() {
        guard let handler else { return }
        handler.eventLoop.execute { handler.value.closeNow() }
    }
}
