import Foundation
import JuiceAPI
import JuiceCore
import OpenAPIRuntime

extension AccountAPI {
    func login(_ input: Operations.Login.Input) async throws -> Operations.Login.Output {
        guard case .json(let body) = input.body else { throw AccountError.invalid("expected a JSON body") }
        if MediaType.wantsJSONLines(input.headers.accept.map(\.rawValue)) {
            return .ok(.init(body: .applicationJsonl(try await loginStream(body))))
        }
        return .ok(.init(body: .json(try await login(body))))
    }

    /// The login itself. ``LoginFastPath`` calls it directly and writes the reply by hand.
    func login(_ body: Components.Schemas.LoginRequest) async throws -> Components.Schemas.LoginResponse {
        try await startSession(body, streamInstance: nil).reply
    }

    /// Logs in, naming `streamInstance` as the holder of the session's rendezvous stream when set.
    func startSession(_ body: Components.Schemas.LoginRequest, streamInstance: Int64?) async throws -> (reply: Components.Schemas.LoginResponse, started: StartedSession) {
        let username = try Validate.username(body.username)
        try Validate.realm(body.realm, settings.realm)
        let authKey = try Validate.authKey(body.authKey)
        let online = body.online ?? true
        let endpoint = try body.endpoint.map(Validate.endpoint)
        let candidates = try Validate.candidates(body.candidates, from: ClientSource.current)
        let statusText = try Validate.statusText(body.statusText ?? "")
        let prekeys = try Validate.prekeys(body.prekeys)
        if online && endpoint == nil { throw AccountError.invalid("endpoint is required to go online") }

        let token = try SessionToken.generate()
        let session: LoginSession = if online, let endpoint {
            .online(
                endpoint: endpoint, candidates: candidates, capabilities: Capabilities(camera: body.camera ?? false, mic: body.mic ?? false),
                status: body.status.flatMap { PresenceStatus(rawValue: $0.rawValue) } ?? .online, statusText: statusText,
                leaseSeconds: settings.leaseSeconds, streamInstance: streamInstance, prekeys: prekeys
            )
        } else {
            .command(seconds: settings.commandSessionSeconds)
        }
        let started = try await store.login(username: username, source: ClientSource.current, authKey: authKey, settings: settings, tokenHash: token.hash, session: session)
        logger.info("login", metadata: ["user": "\(username)", "online": "\(online)", "peer": "\(started.lease.peerID)"])
        let reply = Components.Schemas.LoginResponse(
            username: username.value,
            token: token.text,
            lease: .init(started.lease),
            identity: .init(publicKey: .init(started.identity.publicKey), sealedSecret: .init(started.identity.sealedSecret)),
            buddies: started.buddies.map(Components.Schemas.Buddy.init),
            reachability: online ? settings.relay?.reachability(accountID: started.accountID) : nil,
            prekeysLeft: started.mailbox?.prekeysLeft,
            waiting: started.mailbox.flatMap { $0.waiting.isEmpty ? nil : $0.waiting.map(Components.Schemas.WaitingMessage.init) },
            receipts: started.mailbox.flatMap { $0.receipts.isEmpty ? nil : $0.receipts.map(Components.Schemas.Receipt.init) }
        )
        return (reply, started)
    }

    func renew(_ input: Operations.Renew.Input) async throws -> Operations.Renew.Output {
        let tokenHash = try presentedTokenHash()
        var update = PresenceUpdate()
        if case .json(let body) = input.body {
            update.endpoint = try body.endpoint.map(Validate.endpoint)
            update.camera = body.camera
            update.mic = body.mic
            update.status = body.status.flatMap { PresenceStatus(rawValue: $0.rawValue) }
            update.statusText = try body.statusText.map(Validate.statusText)
            if body.candidates != nil { update.candidates = try Validate.candidates(body.candidates, from: ClientSource.current) }
        }
        guard let lease = try await store.renew(tokenHash: tokenHash, leaseSeconds: settings.leaseSeconds, update: update) else {
            throw AccountError.unauthenticated
        }
        return .ok(.init(body: .json(.init(lease))))
    }

    func logout(_ input: Operations.Logout.Input) async throws -> Operations.Logout.Output {
        guard try await store.logout(tokenHash: try presentedTokenHash()) else { throw AccountError.unauthenticated }
        return .noContent(.init())
    }
}

extension Components.Schemas.Lease {
    init(_ lease: PresenceLease) {
        self.init(peerId: lease.peerID.rawValue, leaseSeconds: Int32(clamping: lease.seconds), leaseExpiresAt: lease.expiresAt)
    }
}

extension Components.Schemas.WaitingMessage {
    init(_ record: WaitingMessageRecord) {
        self.init(seq: record.seq, from: record.sender, queuedAt: record.queuedAt, envelope: .init(record.envelope))
    }
}

extension Components.Schemas.Receipt {
    init(_ record: ReceiptRecord) {
        self.init(seq: record.seq, to: record.recipient, id: .init(record.messageID), state: .init(rawValue: record.state) ?? .expired, at: record.at)
    }
}
