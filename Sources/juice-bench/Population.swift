import Foundation
import Postgres
import Sodium

/// Bulk users made with `generate_series`, not row by row: user `userN` has id N, every user shares
/// one auth key, and each has 20 accepted buddies (10 asked, 10 asking).
enum Population {
    static let authKey = [UInt8](repeating: 7, count: 32)
    static let authKeyBase64 = Data(authKey).base64EncodedString()
    static let salt = [UInt8](repeating: 1, count: 32)
    /// Every bulk user's sealed secret: zeros (never opened).
    static let sealedSecret = [UInt8](repeating: 0, count: 72)

    /// The verifier of `authKey` under `salt`, as the service stores it.
    static func verifier() throws -> [UInt8] {
        try GenericHash.hash(authKey, key: SecretBytes(salt))
    }

    static func create(_ db: PostgresConnection, users: Int, buddiesEach: Bool = true) throws {
        let verifier = try verifier()
        // Public keys are unique: a distinct 32-byte value each (never used in a handshake).
        try db.query("""
            INSERT INTO accounts (username, verifier, verifier_salt, public_key, sealed_secret)
            SELECT 'user' || g, $1, $2, sha256(('juice-bench-' || g)::bytea), $3 FROM generate_series(1, $4::int) g ORDER BY g
            """, [verifier, salt, sealedSecret, users])
        try db.executeScript("INSERT INTO presence_state (account_id) SELECT id FROM accounts")
        if buddiesEach {
            try db.query("""
                INSERT INTO buddies (requester_id, addressee_id, accepted_at)
                SELECT a, ((a - 1 + k) % $1::int) + 1, now() FROM generate_series(1, $1::int) a, generate_series(1, 10) k
                """, [users])
        }
        try db.executeScript("VACUUM ANALYZE")
    }

    /// The JSON body of an online login for user `user` + `number` (a template with `%d` for wrk).
    static func loginBody(_ number: String) -> String {
        #"{"username":"user\#(number)","realm":"juice","authKey":"\#(authKeyBase64)","online":true,"endpoint":"127.0.0.1:4000","camera":true}"#
    }
}
