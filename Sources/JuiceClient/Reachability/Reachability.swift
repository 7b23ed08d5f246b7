import Foundation
import JuiceCore
import JuicePeer
import JuiceRelay
import NIOCore

/// Where buddies can reach us besides our endpoint (docs/reachability.md 3 and 5), kept alive
/// while online:
/// - `host` candidates: our interfaces' addresses, when listening on all of them;
/// - `srflx`: our NAT's public mapping of the listening port, from a STUN Binding sent from that
///   port to the service's relay; the connection stays open, and a Binding every 25 s keeps the
///   mapping alive;
/// - `relay`: a TCP allocation (RFC 6062) on the relay; buddies' IPs get permissions, and each
///   connection a buddy makes to it is handed to the peer network as a relayed session.
///
/// The relay and its credential come from the login reply, cached for the next login
/// (``RelayAccessCache``); with a valid cache both are gathered before the login and stated in
/// it; without one (a first login here), right after it, and published with one renewal.
/// Everything here is bounded: a relay that does not answer within 2 s is left out.
actor Reachability {
    let listening: Endpoint
    let hosts: [Candidate]
    let network: PeerNetwork
    let printer: EventPrinter
    let cache: RelayAccessCache
    /// Loopback addresses are usable only when the service is on this machine.
    let allowLoopback: Bool

    private var access: RelayAccess?
    private var binding: StunBinding?
    private var allocation: TurnAllocation?
    private var permitted: Set<StunAddress> = []
    /// Addresses the relay will not relay to (403); not asked again for this allocation.
    private var refused: Set<StunAddress> = []

    /// How long gathering may wait for the relay.
    static let timeout: Duration = .seconds(2)
    /// A cached credential is used only with this much left.
    static let cacheMargin: TimeInterval = 2 * 3600
    /// The Binding that keeps the NAT mapping alive (a NAT forgets an idle TCP mapping after
    /// minutes at the least; 25 s matches the rendezvous stream's keepalive).
    static let bindingInterval: Duration = .seconds(25)
    /// Permissions last 300 s on the relay (RFC 8656); refreshed before.
    static let permissionInterval: Duration = .seconds(240)

    /// Publishes changed candidates while online (a renewal).
    let publish: @Sendable ([Candidate]) async -> Void
    /// The buddies last permitted, for the permissions of a new allocation.
    private var buddies: [PeerNetwork.Buddy] = []

    init(
        listening: Endpoint, hosts: [Candidate], network: PeerNetwork, printer: EventPrinter, cache: RelayAccessCache,
        allowLoopback: Bool, publish: @escaping @Sendable ([Candidate]) async -> Void
    ) {
        self.allowLoopback = allowLoopback
        self.listening = listening
        self.hosts = hosts
        self.network = network
        self.printer = printer
        self.cache = cache
        self.publish = publish
    }

    /// Our candidates as they are now. What the relay reports (a Binding's answer is not
    /// authenticated) passes the same checks as anything else, so a bad mapping is left out
    /// rather than get the login refused.
    var candidates: [Candidate] {
        var list = hosts
        if let mapped = binding?.mappedAddress, let srflx = try? Candidate(kind: "srflx", address: mapped.description, allowLoopback: allowLoopback),
           srflx.address != listening, !hosts.contains(where: { $0.address == srflx.address }) {
            list.append(srflx)
        }
        if let relayed = allocation?.relayedAddress, let relay = try? Candidate(kind: "relay", address: relayed.description, allowLoopback: allowLoopback) {
            list.append(relay)
        }
        return Array(list.prefix(Candidate.maxCount))
    }

    /// Before a login: gathers with the cached relay credential, if one is valid for 2 h more.
    func prepare() async {
        guard binding == nil, let cached = cache.load(), cached.isValid(for: Self.cacheMargin) else { return }
        await gather(with: cached)
    }

    /// After a login whose reply offered `fresh`: caches it, and gathers with it what is still
    /// missing. True when the candidates changed, so they must be published.
    func adopt(_ fresh: RelayAccess?) async -> Bool {
        guard let fresh else { return false }
        do {
            try cache.save(fresh)
        } catch {
            printer.emit(.error("cannot cache the relay credential: \(error)"))
        }
        let before = candidates
        if access?.server != fresh.server || allocation == nil || binding == nil { await gather(with: fresh) }
        return candidates != before
    }

    /// Opens what is missing of the STUN connection and the allocation; `quietly` while
    /// retrying (one report of a lost relay is enough).
    private func gather(with access: RelayAccess, quietly: Bool = false) async {
        self.access = access
        guard (try? Candidate(kind: "relay", address: access.server.description, allowLoopback: allowLoopback)) != nil, let server = Self.address(access.server) else {
            printer.emit(.error("the service named a relay this client will not use (\(access.server)): it must be an IP address with a port of 1024 or above, and loopback only when the service is on this machine; no relay"))
            return
        }
        if binding == nil {
            do {
                binding = try await StunBinding.open(server: server, from: StunAddress(host: listening.host, port: UInt16(listening.port)), timeout: Self.timeout)
            } catch {
                if !quietly { printer.emit(.error("the relay \(access.server) did not answer a STUN Binding (\(error)); no public mapping")) }
            }
        }
        if allocation == nil {
            do {
                let credentials = TurnCredentials(username: access.username, password: access.password)
                allocation = try await TurnAllocation.allocate(server: server, credentials: credentials, timeout: Self.timeout)
                permitted = []
                refused = []
            } catch {
                if !quietly { printer.emit(.error("no relay allocation on \(access.server) (\(error)); relayed paths unavailable until it answers")) }
            }
        }
    }

    /// Lets `buddies` reach our relayed address: a permission for each IP they may connect
    /// from (their candidates and endpoint), new ones at once.
    func permit(_ buddies: [PeerNetwork.Buddy]) async {
        self.buddies = buddies
        guard let allocation else { return }
        let addresses = Set(buddies.flatMap { buddy in buddy.dialTargets.filter { $0.kind != .relay }.compactMap { Self.address($0.address) } }
            .compactMap { StunAddress(ip: $0.ip, port: 0) })
        // One request per address: a relay refuses the whole request for one address it does
        // not relay to (a buddy's private LAN address: 403), and those are simply not permitted.
        for address in addresses.subtracting(permitted).subtracting(refused).sorted(by: { $0.description < $1.description }) {
            do {
                try await allocation.createPermission(for: [address])
                permitted.insert(address)
            } catch StunError.errorResponse(code: 403, _) {
                refused.insert(address)
            } catch {
                printer.emit(.error("the relay refused a permission for a buddy's address (\(error))"))
            }
        }
    }

    /// While online: keeps the mapping and the allocation alive, hands each relayed connection
    /// to the peer network, and when the relay is lost (coturn restarted, the network dropped)
    /// publishes the candidates without it and gathers again after 1 s, doubling to 30 s.
    /// Returns when cancelled.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.keepAlive() }
            group.addTask { await self.keepRelay() }
            await group.waitForAll()
        }
    }

    private func keepAlive() async {
        var sinceRefresh: Duration = .zero, sincePermissions: Duration = .zero
        while !Task.isCancelled {
            do { try await Task.sleep(for: Self.bindingInterval) } catch { return }
            sinceRefresh += Self.bindingInterval
            sincePermissions += Self.bindingInterval
            if let binding, let mapped = try? await binding.refresh(), mapped != binding.mappedAddress {
                printer.emit(.error("the NAT's public mapping of our port changed to \(mapped); buddies may need to dial us again"))
            }
            if let allocation, sinceRefresh >= .seconds(Int(allocation.lifetime / 2)) {
                sinceRefresh = .zero
                if (try? await allocation.refresh()) == nil { printer.emit(.error("refreshing the relay allocation failed")) }
            }
            if let allocation, sincePermissions >= Self.permissionInterval, !permitted.isEmpty {
                sincePermissions = .zero
                do {
                    try await allocation.createPermission(for: Array(permitted))
                } catch {
                    // Asked again one by one at the next update of the buddies (and reported there).
                    printer.emit(.error("refreshing the relay's permissions failed (\(error)); asking again"))
                    permitted = []
                    await permit(buddies)
                }
            }
        }
    }

    private func keepRelay() async {
        guard let access else { return } // the service has no relay
        var delay: Duration = .seconds(1)
        while !Task.isCancelled {
            if let allocation {
                await acceptRelayed(allocation) // until its control connection closes
                if Task.isCancelled { return }
                printer.emit(.error("lost the relay allocation on \(access.server); gathering again"))
                self.allocation = nil
                await binding?.close()
                binding = nil
                await publish(candidates)
                delay = .seconds(1)
            }
            do { try await Task.sleep(for: delay) } catch { return }
            delay = min(delay * 2, .seconds(30))
            let before = candidates
            await gather(with: access, quietly: true)
            guard allocation != nil else { continue }
            await permit(buddies)
            if candidates != before { await publish(candidates) }
            printer.emit(.info("relay allocation on \(access.server) ready"))
        }
    }

    private func acceptRelayed(_ allocation: TurnAllocation) async {
        let network = self.network
        for await attempt in allocation.connectionAttempts {
            guard let data = try? await allocation.accept(attempt) else { continue }
            do {
                let peer = try? SocketAddress(data.peer)
                try await data.start { _ in network.acceptRelayed(data.channel, peer: peer) }
            } catch {
                await data.close()
            }
        }
    }

    /// Gives the relay back (deallocates) and closes the STUN connection.
    func close() async {
        if let allocation { try? await allocation.deallocate(); await allocation.close() }
        await binding?.close()
        allocation = nil
        binding = nil
    }

    private static func address(_ endpoint: Endpoint) -> StunAddress? {
        guard let port = UInt16(exactly: endpoint.port) else { return nil }
        return StunAddress(host: endpoint.host, port: port)
    }
}
