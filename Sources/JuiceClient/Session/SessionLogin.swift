import JuiceCore
import JuicePeer
import Sodium

/// Going online and offline with one call each: the login (whose reply stays open as the
/// rendezvous stream) reports `ready` and every buddy and hands the buddies to the peer network;
/// the logout reports `logged-out`.
struct SessionLogin: Sendable {
    let service: JuiceService
    let username: Username
    let keys: AccountKeys
    /// Where buddies dial us.
    let endpoint: Endpoint
    /// Further addresses buddies may dial, gathered before each login (docs/reachability.md 3.3).
    let reachability: Reachability
    let network: PeerNetwork
    let printer: EventPrinter
    /// Uploads prekeys with the login, and takes what waited for us (docs/protocol.md 5).
    let mailbox: MailboxCourier

    /// What going online gives: the lease, the buddy list of the login line, and the rest of
    /// the rendezvous stream.
    struct Online: Sendable {
        var lease: Lease
        var buddies: [BuddyEntry]
        var events: RendezvousEvents
    }

    /// The login call, whose reply is the rendezvous stream; returns once its first line is
    /// in. A login whose identity does not open with the password's key is logged out again at
    /// once and throws.
    func goOnline() async throws -> Online {
        let current = await network.currentPresence
        await reachability.prepare()
        let presence = PresenceAnnouncement(endpoint: endpoint, candidates: await reachability.candidates, capabilities: current.capabilities, status: current.status, statusText: current.statusText)
        let events = try await service.openStream(username: username, keys: keys, presence: presence, prekeys: await mailbox.offer())
        var lines = events.makeAsyncIterator()
        guard case .login(let grant)? = try await lines.next() else {
            throw ServiceError(status: nil, message: "the Juice server's rendezvous stream ended before its login line")
        }
        let identity: BoxKeyPair
        do {
            identity = try grant.openIdentity(with: keys)
        } catch {
            // Buddies must not see us online with a key we do not hold: go offline at once.
            // The error that ends the session is the identity's, whatever the logout says.
            _ = try? await service.logout()
            throw ServiceError(status: nil, message: "\(error); logged out again")
        }
        printer.emit(.ready(username: grant.username, peerID: grant.lease.peerID.rawValue, endpoint: endpoint.description, leaseSeconds: grant.lease.seconds))
        grant.buddies.forEach { printer.emit(.buddy($0)) }
        let contacts = grant.buddies.compactMap { PeerNetwork.Buddy($0, allowLoopback: service.isLoopback) }
        await network.goOnline(identity: identity, peerID: grant.lease.peerID, buddies: contacts, leaseSeconds: grant.lease.seconds)
        // A first login here had no relay credential to gather with: gather now, and publish.
        if await reachability.adopt(grant.relay) { await reachability.publish(await reachability.candidates) }
        await reachability.permit(contacts)
        await mailbox.loggedIn(grant, identity: identity, network: network)
        return Online(lease: grant.lease, buddies: grant.buddies, events: events)
    }

    /// Hands the buddies as `roster` now describes them to the peer network (which dials the
    /// new ones), and lets them reach our relayed address.
    func update(_ roster: BuddyRoster) async {
        let contacts = roster.contacts(allowLoopback: service.isLoopback)
        await network.update(buddies: contacts)
        await reachability.permit(contacts)
    }

    /// The logout call, then `logged-out`. A 401 means we are already offline (the lease lapsed,
    /// or another login or a password change replaced this session); any other failure is
    /// reported, and the lease then lapses on its own.
    func goOffline() async {
        do {
            try await service.logout()
        } catch let error as ServiceError where error.status == 401 {
            // Already offline.
        } catch {
            printer.emit(.error("logout failed: \(error)"))
        }
        printer.emit(.loggedOut(username: username.value))
    }
}
