import AsyncHTTPClient
import Foundation
import JuiceAPI
import JuiceCore
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime
import Sodium

/// The `juiced` API as the client uses it: typed calls in the client's own types (the generated
/// ones are mapped once, in `APIMapping.swift`), a remembered session token, and server failures
/// surfaced as ``ServiceError``.
public struct JuiceService: Sendable {
    private let client: Client
    /// For the rendezvous stream, whose reads may wait longer than a call's.
    private let streamClient: Client
    private let token = BearerTokenMiddleware()
    /// The realm this client salts passwords with.
    public let realm: Realm

    /// The service's name for scoping client state: `realm@host:port`.
    public let scope: String

    /// True when the server is on this machine (``ServerAddress/isLoopback``).
    public let isLoopback: Bool

    /// A client for the server at `address`.
    public init(address: ServerAddress) {
        realm = address.realm
        scope = address.scope
        isLoopback = address.isLoopback
        client = Client(
            serverURL: address.url,
            configuration: .juice,
            transport: AsyncHTTPClientTransport(configuration: .init(client: address.httpClient, timeout: .seconds(15))),
            middlewares: [ServiceErrorMiddleware(), token]
        )
        // The 15 s deadline bounds the wait for the response head only; the body then streams.
        // Each stream has a connection of its own, closed when it ends (CloseAfterResponseMiddleware).
        streamClient = Client(
            serverURL: address.url,
            configuration: .juice,
            transport: AsyncHTTPClientTransport(configuration: .init(client: address.streamHTTPClient, timeout: .seconds(15))),
            middlewares: [ServiceErrorMiddleware(), token, CloseAfterResponseMiddleware()]
        )
    }

    /// Creates an account; the identity key pair is made here and sealed under the password.
    public func register(username: Username, keys: AccountKeys) async throws {
        let identity = try SealedIdentity.seal(try BoxKeyPair.generate(), keyEncryptionKey: keys.keyEncryptionKey)
        _ = try await unwrap { try await client.register(body: .json(.init(
            username: username.value, realm: realm.name, authKey: .init(keys.authKey.copiedBytes),
            publicKey: .init(identity.publicKey), sealedSecret: .init(identity.sealedSecret)
        ))).created }
    }

    /// Logs in. With `presence` it goes online in the same call; without, it only authenticates.
    public func login(username: Username, keys: AccountKeys, presence: PresenceAnnouncement?) async throws -> LoginGrant {
        let response = try await unwrap { try await client.login(body: .json(loginRequest(username: username, keys: keys, presence: presence))).ok.body.json }
        token.set(response.token)
        return try LoginGrant(response)
    }

    /// Goes online with the rendezvous stream (one call): the first event is `login`, and its
    /// token is kept here; then introductions and departures as they happen. No renewal is
    /// needed while the stream is open.
    /// `prekeys` go up with it (docs/protocol.md 5.1).
    public func openStream(username: Username, keys: AccountKeys, presence: PresenceAnnouncement, prekeys: PrekeyOffer? = nil) async throws -> RendezvousEvents {
        let body = try await unwrap { try await streamClient.login(
            headers: .init(accept: [.init(contentType: .applicationJsonl)]),
            body: .json(loginRequest(username: username, keys: keys, presence: presence, prekeys: prekeys))
        ).ok.body.applicationJsonl }
        return RendezvousEvents(body: body, token: token)
    }

    /// Resumes a broken stream with the session's token, keeping the peer ID: the first event
    /// is `resumed`. A 401 means the session is gone: log in again.
    public func resumeStream() async throws -> RendezvousEvents {
        let body = try await unwrap { try await streamClient.resumeStream(
            headers: .init(accept: [.init(contentType: .applicationJsonl)])
        ).ok.body.applicationJsonl }
        return RendezvousEvents(body: body, token: token)
    }

    private func loginRequest(username: Username, keys: AccountKeys, presence: PresenceAnnouncement?, prekeys: PrekeyOffer? = nil) -> Components.Schemas.LoginRequest {
        .init(
            username: username.value, realm: realm.name, authKey: .init(keys.authKey.copiedBytes),
            online: presence != nil, endpoint: presence?.endpoint.description,
            candidates: presence.flatMap { $0.candidates.isEmpty ? nil : $0.candidates.map(Components.Schemas.Candidate.init) },
            camera: presence?.capabilities.camera, mic: presence?.capabilities.mic,
            status: presence.map { .init($0.status) }, statusText: presence?.statusText,
            prekeys: prekeys.map { .init(set: .init($0.set), keys: $0.keys.map { .init($0) }) }
        )
    }

    /// Extends the lease, optionally publishing changes.
    public func renew(_ change: PresenceChange = PresenceChange()) async throws -> Lease {
        Lease(try await unwrap { try await client.renew(body: .json(.init(change))).ok.body.json })
    }

    /// Goes offline and revokes the token.
    public func logout() async throws {
        _ = try await unwrap { try await client.logout().noContent }
        token.set(nil)
    }

    /// The buddy list.
    public func buddies() async throws -> [BuddyEntry] {
        try await unwrap { try await client.listBuddies().ok.body.json.buddies }.map(BuddyEntry.init)
    }

    /// Asks `buddy` to be buddies (accepts at once if they asked first).
    public func requestBuddy(_ buddy: Username) async throws -> BuddyEntry {
        BuddyEntry(try await unwrap { try await client.requestBuddy(path: .init(username: buddy.value)).ok.body.json })
    }

    /// Accepts `buddy`'s request.
    public func acceptBuddy(_ buddy: Username) async throws -> BuddyEntry {
        BuddyEntry(try await unwrap { try await client.acceptBuddy(path: .init(username: buddy.value)).ok.body.json })
    }

    /// Removes `buddy`, or withdraws or declines a request.
    public func removeBuddy(_ buddy: Username) async throws {
        _ = try await unwrap { try await client.removeBuddy(path: .init(username: buddy.value)).noContent }
    }

    /// Claims one of `buddy`'s one-time prekeys to seal a waiting message with; nil when the
    /// server has none to give (docs/protocol.md 5.1).
    public func claimPrekey(of buddy: Username) async throws -> [UInt8]? {
        try await unwrap { try await client.claimPrekey(path: .init(username: buddy.value)).ok.body.json }.prekey.map { Array($0.data) }
    }

    /// Leaves a sealed message for `buddy`, who is offline; returns when it expires unread.
    public func leaveMessage(for buddy: Username, id: [UInt8], envelope: [UInt8]) async throws -> Date {
        try await unwrap { try await client.leaveMessage(
            path: .init(username: buddy.value), body: .json(.init(id: .init(id), envelope: .init(envelope)))
        ).created.body.json }.expiresAt
    }

    /// Acknowledges waiting messages stored and receipts seen, so the server deletes them.
    public func acknowledge(messages: [Int64], receipts: [Int64]) async throws {
        _ = try await unwrap { try await client.acknowledgeMailbox(body: .json(.init(messages: messages, receipts: receipts))).noContent }
    }

    /// Changes the password: one call with the old auth key, the new one, and the identity re-sealed.
    public func changePassword(current: AccountKeys, new: AccountKeys, identity: SealedIdentity) async throws {
        let keyPair = try identity.open(keyEncryptionKey: current.keyEncryptionKey)
        let resealed = try SealedIdentity.seal(keyPair, keyEncryptionKey: new.keyEncryptionKey)
        _ = try await unwrap { try await client.changePassword(body: .json(.init(
            currentAuthKey: .init(current.authKey.copiedBytes), newAuthKey: .init(new.authKey.copiedBytes),
            sealedSecret: .init(resealed.sealedSecret)
        ))).noContent }
    }
}

/// Unwraps the generated client's `ClientError`, whose description would include the request
/// (and so the auth key), into a ``ServiceError`` that says only what went wrong.
private func unwrap<T>(_ call: () async throws -> T) async throws -> T {
    do {
        return try await call()
    } catch {
        if let service = (error as? ClientError)?.underlyingError as? ServiceError { throw service }
        throw ServiceError(status: nil, message: "unexpected response from the Juice server")
    }
}
