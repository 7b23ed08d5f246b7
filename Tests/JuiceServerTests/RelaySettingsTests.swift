import Foundation
import JuiceAPI
@testable import JuiceServer
import Testing

/// TURN credentials as juiced makes them (docs/reachability.md 5.2, 10.2): coturn's shared-secret
/// scheme, with a per-account pseudonym as the user part.
@Suite struct RelaySettingsTests {
    let settings = RelaySettings(server: "192.0.2.20:3478", secret: "0123456789abcdef0123456789abcdef")

    @Test func theUserPartIsAStablePseudonymOfTheAccountAndNothingElse() {
        let first = settings.reachability(accountID: 42), again = settings.reachability(accountID: 42)
        let other = settings.reachability(accountID: 43)
        let user = { (r: Components.Schemas.Reachability) in String(r.username.split(separator: ":")[1]) }
        #expect(user(first) == user(again), "every login of one account is one relay user (its quota counts them together)")
        #expect(user(first) != user(other))
        #expect(user(first).count == 16 && user(first).allSatisfy(\.isHexDigit))
        #expect(!user(first).contains("42"))
        let otherSecret = RelaySettings(server: "192.0.2.20:3478", secret: "fedcba9876543210fedcba9876543210")
        #expect(user(otherSecret.reachability(accountID: 42)) != user(first), "the pseudonym is keyed by the secret")
    }

    @Test func theCredentialIsCoturnsAndExpiresInADay() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let reachability = settings.reachability(accountID: 7, now: now)
        let expiry = try #require(Int(reachability.username.split(separator: ":")[0]))
        #expect(expiry == 1_800_000_000 + 86_400)
        #expect(reachability.expiresAt == Date(timeIntervalSince1970: TimeInterval(expiry)))
        #expect(reachability.turnServer == "192.0.2.20:3478")
        // base64(HMAC-SHA1(secret, username)): 20 bytes.
        #expect(Data(base64Encoded: reachability.password)?.count == 20)
    }
}
