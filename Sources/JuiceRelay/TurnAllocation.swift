import NIOCore
import NIOPosix
import Synchronization

/// The long-term credential state of an allocation: what authenticated requests carry.
struct TurnAuthentication: Sendable {
    var username: String
    var realm: String
    var nonce: String
    var key: [UInt8]

    /// USERNAME, REALM, NONCE (MESSAGE-INTEGRITY is added when encoding).
    var attributes: [StunAttribute] {
        [.text(.username, username), .text(.realm, realm), .text(.nonce, nonce)]
    }

    /// Checks a success response's MESSAGE-INTEGRITY, if it has one.
    func verify(_ response: StunResponse) throws(StunError) {
        if try StunMessage.verifyIntegrity(of: response.bytes, key: key) == false { throw .integrityMismatch }
    }
}

/// A peer's connection to our relayed address, announced by a ConnectionAttempt indication
/// (RFC 6062 §4.4). Pass it to ``TurnAllocation/accept(_:)`` soon: coturn waits 30 s at most.
public struct TurnConnectionAttempt: Sendable, Hashable {
    public let connectionID: UInt32
    /// The peer's address as the relay sees it (XOR-PEER-ADDRESS).
    public let peer: StunAddress
}

/// A TURN allocation with a TCP relay (RFC 6062 over RFC 8656), on its control connection.
///
/// ```swift
/// let allocation = try await TurnAllocation.allocate(server: relay, credentials: credentials)
/// allocation.relayedAddress                    // the `relay` candidate
/// try await allocation.createPermission(for: [buddyIP])
/// for await attempt in allocation.connectionAttempts {   // inbound
///     let data = try await allocation.accept(attempt)
///     try await data.start { try $0.addHandler(...) }
/// }
/// let out = try await allocation.connect(to: peer)     // outbound through the relay
/// _ = try await allocation.refresh()                    // before half the lifetime
/// await allocation.close()                              // deallocates
/// ```
public final class TurnAllocation: Sendable {
    private let connection: StunConnection
    private let server: StunAddress
    private let auth: Mutex<TurnAuthentication>
    private let attempts: AsyncStream<TurnConnectionAttempt>.Continuation
    private let timeout: Duration
    private let group: any EventLoopGroup

    /// The relayed transport address peers connect to (XOR-RELAYED-ADDRESS).
    public let relayedAddress: StunAddress
    /// Our address as the server saw it (XOR-MAPPED-ADDRESS of the Allocate response), if sent.
    public let mappedAddress: StunAddress?
    /// The lifetime the server granted, in seconds.
    public let lifetime: UInt32
    /// Peers connecting to ``relayedAddress``: pass each to ``accept(_:)``. Ends on ``close()``
    /// or when the control connection closes.
    public let connectionAttempts: AsyncStream<TurnConnectionAttempt>

    private init(
        connection: StunConnection, server: StunAddress, auth: TurnAuthentication,
        attempts: (AsyncStream<TurnConnectionAttempt>, AsyncStream<TurnConnectionAttempt>.Continuation),
        timeout: Duration, group: any EventLoopGroup,
        relayedAddress: StunAddress, mappedAddress: StunAddress?, lifetime: UInt32
    ) {
        self.connection = connection
        self.server = server
        self.auth = Mutex(auth)
        (connectionAttempts, self.attempts) = attempts
        self.timeout = timeout
        self.group = group
        self.relayedAddress = relayedAddress
        self.mappedAddress = mappedAddress
        self.lifetime = lifetime
    }

    /// Opens a control connection to `server` and allocates a TCP relay: an Allocate without
    /// credentials, whose 401 gives REALM and NONCE, then the same with USERNAME, REALM, NONCE
    /// and MESSAGE-INTEGRITY. Wrong credentials throw ``StunError/errorResponse(code:reason:)``
    /// with code 401. `lifetime` asks for a lifetime in seconds (the server may cut it).
    public static func allocate(
        server: StunAddress, credentials: TurnCredentials, lifetime: UInt32? = nil,
        timeout: Duration = .seconds(10), group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> TurnAllocation {
        let (stream, continuation) = AsyncStream.makeStream(of: TurnConnectionAttempt.self, bufferingPolicy: .bufferingNewest(64))
        let connection = try await StunConnection.connect(to: server, timeout: timeout, group: group) { indication in
            guard indication.method == .connectionAttempt,
                  let id = try? indication.attribute(.connectionID)?.connectionID(),
                  let peer = try? indication.attribute(.xorPeerAddress)?.xorAddress(transactionID: indication.transactionID)
            else { return }
            continuation.yield(TurnConnectionAttempt(connectionID: id, peer: peer))
        }
        connection.channel.closeFuture.whenComplete { _ in continuation.finish() }
        do {
            var attributes: [StunAttribute] = [.requestedTransport(6)]
            if let lifetime { attributes.append(.lifetime(lifetime)) }
            let challenge = try await connection.transact(StunMessage(method: .allocate, class: .request, attributes: attributes))
            guard challenge.message.messageClass == .errorResponse else {
                throw StunError.invalidState("the TURN server allocated without credentials")
            }
            var auth = try Self.authentication(from: challenge.message, credentials: credentials)
            var response = try await connection.transact(
                StunMessage(method: .allocate, class: .request, attributes: attributes + auth.attributes), key: auth.key)
            if let nonce = try Self.staleNonce(in: response.message) {
                auth.nonce = nonce
                response = try await connection.transact(
                    StunMessage(method: .allocate, class: .request, attributes: attributes + auth.attributes), key: auth.key)
            }
            try response.message.requireSuccess()
            try auth.verify(response)
            let message = response.message
            guard let relayed = try message.attribute(.xorRelayedAddress)?.xorAddress(transactionID: message.transactionID) else {
                throw StunError.missingAttribute("XOR-RELAYED-ADDRESS")
            }
            let mapped = try message.attribute(.xorMappedAddress)?.xorAddress(transactionID: message.transactionID)
            let granted = try message.attribute(.lifetime)?.uint32() ?? 600
            return TurnAllocation(
                connection: connection, server: server, auth: auth, attempts: (stream, continuation),
                timeout: timeout, group: group, relayedAddress: relayed, mappedAddress: mapped, lifetime: granted)
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Installs (or refreshes, for 300 s) permissions for the IPs of `peers`; ports are ignored.
    /// Without one, the server refuses connections from that IP to ``relayedAddress``.
    public func createPermission(for peers: [StunAddress]) async throws {
        let id = StunMessage.randomTransactionID()
        let addresses = peers.map { StunAttribute.xorAddress(.xorPeerAddress, $0, transactionID: id) }
        _ = try await authenticated(.createPermission, addresses, transactionID: id)
    }

    /// Asks the server to connect the relay to `peer` (Connect, RFC 6062 §4.3), then binds a new
    /// data connection to it. The returned connection's bytes are the peer's stream once started.
    public func connect(to peer: StunAddress) async throws -> TurnDataConnection {
        let id = StunMessage.randomTransactionID()
        let response = try await authenticated(.connect, [.xorAddress(.xorPeerAddress, peer, transactionID: id)], transactionID: id)
        guard let connectionID = try response.message.attribute(.connectionID)?.connectionID() else {
            throw StunError.missingAttribute("CONNECTION-ID")
        }
        return try await bind(connectionID, peer: peer)
    }

    /// Binds a data connection for a peer that connected to ``relayedAddress``.
    public func accept(_ attempt: TurnConnectionAttempt) async throws -> TurnDataConnection {
        try await bind(attempt.connectionID, peer: attempt.peer)
    }

    /// Refreshes the allocation (Refresh with LIFETIME; `nil` asks for the server's default) and
    /// returns the granted lifetime in seconds. Juice refreshes at half the lifetime.
    @discardableResult
    public func refresh(lifetime: UInt32? = nil) async throws -> UInt32 {
        let response = try await authenticated(.refresh, lifetime.map { [.lifetime($0)] } ?? [])
        return try response.message.attribute(.lifetime)?.uint32() ?? lifetime ?? 0
    }

    /// Deallocates (Refresh with LIFETIME 0) and closes the control connection; throws if the
    /// server refused the Refresh (the connection is closed anyway, which ends the allocation
    /// on coturn too). Data connections already bound stay up until closed.
    public func deallocate() async throws {
        defer { attempts.finish() }
        do {
            try await refresh(lifetime: 0)
        } catch let error as StunError {
            await connection.close()
            // coturn closes the control connection as it deallocates, sometimes with a reset
            // that discards its answer: a closed connection is a deallocation too (RFC 6062 §4.1).
            if case .errorResponse = error { throw error }
        } catch {
            await connection.close() // a reset: the same
        }
        await connection.close()
    }

    /// ``deallocate()``, errors ignored.
    public func close() async {
        try? await deallocate()
    }

    /// Whether the control connection is still open.
    public var isActive: Bool { connection.channel.isActive }

    private func bind(_ connectionID: UInt32, peer: StunAddress) async throws -> TurnDataConnection {
        try await TurnDataConnection.open(
            server: server, connectionID: connectionID, peer: peer, auth: auth.withLock { $0 }, timeout: timeout, group: group)
    }

    /// Sends an authenticated request; a 438 (stale nonce) takes the new NONCE and retries once.
    /// Returns the success response; throws for an error response.
    private func authenticated(
        _ method: StunMessage.Method, _ attributes: [StunAttribute], transactionID: [UInt8]? = nil
    ) async throws -> StunResponse {
        var current = auth.withLock { $0 }
        var response = try await connection.transact(
            StunMessage(method: method, class: .request, transactionID: transactionID, attributes: attributes + current.attributes), key: current.key)
        if let nonce = try Self.staleNonce(in: response.message) {
            current.nonce = nonce
            auth.withLock { $0.nonce = nonce }
            // A retry needs a new transaction ID, and XOR addresses are encoded with the ID:
            // decode them with the first request's and encode them again with the new one.
            let retryID = StunMessage.randomTransactionID()
            let reencoded = try attributes.map { attribute throws(StunError) -> StunAttribute in
                guard attribute.type == .xorPeerAddress, let id = transactionID else { return attribute }
                return .xorAddress(.xorPeerAddress, try attribute.xorAddress(transactionID: id), transactionID: retryID)
            }
            response = try await connection.transact(
                StunMessage(method: method, class: .request, transactionID: retryID, attributes: reencoded + current.attributes), key: current.key)
        }
        try response.message.requireSuccess()
        try current.verify(response)
        return response
    }

    /// The new NONCE of a 438 (Stale Nonce) answer, `nil` for any other answer.
    private static func staleNonce(in message: StunMessage) throws(StunError) -> String? {
        guard message.messageClass == .errorResponse, let code = try message.attribute(.errorCode)?.errorCode().code, code == 438,
              let nonce = message.attribute(.nonce)?.text
        else { return nil }
        return nonce
    }

    /// The credential state from a 401 challenge (REALM and NONCE).
    private static func authentication(from challenge: StunMessage, credentials: TurnCredentials) throws -> TurnAuthentication {
        let code = try challenge.attribute(.errorCode)?.errorCode()
        guard code?.code == 401 else { try challenge.requireSuccess(); throw StunError.missingAttribute("ERROR-CODE") }
        guard let realm = challenge.attribute(.realm)?.text else { throw StunError.missingAttribute("REALM") }
        guard let nonce = challenge.attribute(.nonce)?.text else { throw StunError.missingAttribute("NONCE") }
        return TurnAuthentication(username: credentials.username, realm: realm, nonce: nonce, key: credentials.key(realm: realm))
    }
}
