import Foundation
import JuiceAPI
import JuiceCore
import OpenAPIRuntime

extension AccountAPI {
    func login(_ input: Operations.Login.Input) async throws -> Operations.Login.Output {
        guard case .json(let body) = input.body else { throw AccountError.invalid("expected a JSON body") }
        let username = try Validate.username(body.username)
        try Validate.realm(body.realm, settings.realm)
        let authKey = try Validate.authKey(body.authKey)
        let online = body.online ?? true
        let endpoint = try body.endpoint.map(Validate.endpoint)
        let statusText = try Validate.statusText(body.statusText ?? "")
        if online && endpoint == nil { throw AccountError.invalid("endpoint is required to go online") }

        let window = settings.loginFailureWindowSeconds
        let record = try await store.loginRecord(username: username, windowSeconds: window)
        if record.failures >= settings.maxLoginFailures, let remaining = record.windowRemaining, remaining > 0 {
            throw AccountError.throttled(retryAfterSeconds: remaining)
        }
        // Unknown users are checked against a decoy verifier so that both failures take the same time.
        let verified = (record.account?.verifier ?? .decoy).matches(authKey)
        guard verified, let account = record.account else {
            try await store.recordFailedLogin(username: username, windowSeconds: window)
            throw AccountError.invalidCredentials
        }

        let token = try SessionToken.generate()
        let (lease, buddies) = if online, let endpoint {
            try await store.goOnline(
                accountID: account.id, username: username, hadFailures: record.failures > 0, tokenHash: token.hash,
                leaseSeconds: settings.leaseSeconds, endpoint: endpoint,
                capabilities: Capabilities(camera: body.camera ?? false, mic: body.mic ?? false),
                status: body.status.flatMap { PresenceStatus(rawValue: $0.rawValue) } ?? .online, statusText: statusText
            )
        } else {
            try await store.startCommandSession(
                accountID: account.id, username: username, hadFailures: record.failures > 0,
                tokenHash: token.hash, seconds: settings.commandSessionSeconds
            )
        }
        logger.info("login", metadata: ["user": "\(username)", "online": "\(online)", "peer": "\(lease.peerID)"])
        return .ok(.init(body: .json(.init(
            username: username.value,
            token: token.text,
            lease: .init(lease),
            identity: .init(publicKey: .init(account.identity.publicKey), sealedSecret: .init(account.identity.sealedSecret)),
            buddies: buddies.map(Components.Schemas.Buddy.init)
        ))))
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
