import Foundation
import JuiceAPI
import JuiceCore
import OpenAPIRuntime
import Sodium

extension AccountAPI {
    func register(_ input: Operations.Register.Input) async throws -> Operations.Register.Output {
        guard case .json(let body) = input.body else { throw AccountError.invalid("expected a JSON body") }
        let username = try Validate.username(body.username)
        try Validate.realm(body.realm, settings.realm)
        let authKey = try Validate.authKey(body.authKey)
        let identity: SealedIdentity
        do {
            try BoxKeyPair.validate(publicKey: Array(body.publicKey.data))
            identity = try SealedIdentity(publicKey: Array(body.publicKey.data), sealedSecret: Array(body.sealedSecret.data))
        } catch {
            throw AccountError.invalid("identity key: \(error)")
        }
        try await store.createAccount(
            username: username, verifier: try AuthVerifier.make(authKey: authKey), identity: identity,
            source: ClientSource.current, limit: settings.registrationsPerAddressPerHour
        )
        logger.info("account registered", metadata: ["user": "\(username)"])
        return .created(.init(body: .json(.init(username: username.value))))
    }

    func changePassword(_ input: Operations.ChangePassword.Input) async throws -> Operations.ChangePassword.Output {
        guard case .json(let body) = input.body else { throw AccountError.invalid("expected a JSON body") }
        let principal = try await principal()
        let current = try Validate.authKey(body.currentAuthKey)
        let new = try Validate.authKey(body.newAuthKey)
        let sealed = Array(body.sealedSecret.data)
        guard sealed.count == SealedIdentity.sealedLength else {
            throw AccountError.invalid("sealedSecret must be \(SealedIdentity.sealedLength) bytes")
        }
        try await store.changePassword(
            username: principal.username, source: ClientSource.current, current: current, new: try AuthVerifier.make(authKey: new),
            sealedSecret: sealed, keepTokenHash: principal.tokenHash, throttle: settings.throttle
        )
        logger.info("password changed", metadata: ["user": "\(principal.username)"])
        return .noContent(.init())
    }
}
