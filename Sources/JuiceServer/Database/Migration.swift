/// One numbered schema change from `Schema/NNNN_name.sql`, embedded in the binary.
public struct Migration: Sendable {
    /// The number from the file name; migrations run in this order.
    public let version: Int
    /// The file name.
    public let name: String
    /// The SQL, run inside one transaction.
    public let sql: String

    /// Every migration, in order. Adding a file to `Schema/` means adding it here too; a test checks both lists match.
    public static let all: [Migration] = [
        Migration(version: 1, name: "0001_accounts.sql", sql: PackageResources._001_accounts_sql),
        Migration(version: 2, name: "0002_sessions_and_presence.sql", sql: PackageResources._002_sessions_and_presence_sql),
        Migration(version: 3, name: "0003_buddies.sql", sql: PackageResources._003_buddies_sql),
        Migration(version: 4, name: "0004_admin_views.sql", sql: PackageResources._004_admin_views_sql),
        Migration(version: 5, name: "0005_unique_public_keys.sql", sql: PackageResources._005_unique_public_keys_sql),
        Migration(version: 6, name: "0006_auth_throttle.sql", sql: PackageResources._006_auth_throttle_sql),
        Migration(version: 7, name: "0007_stranger_limits.sql", sql: PackageResources._007_stranger_limits_sql),
        Migration(version: 8, name: "0008_rendezvous.sql", sql: PackageResources._008_rendezvous_sql),
        Migration(version: 9, name: "0009_stream_revocation.sql", sql: PackageResources._009_stream_revocation_sql),
        Migration(version: 10, name: "0010_candidates.sql", sql: PackageResources._010_candidates_sql),
        Migration(version: 11, name: "0011_mailbox.sql", sql: PackageResources._011_mailbox_sql),
        Migration(version: 12, name: "0012_rendezvous_plans.sql", sql: PackageResources._012_rendezvous_plans_sql),
        Migration(version: 13, name: "0013_announce_here.sql", sql: PackageResources._013_announce_here_sql),
    ]

    private init(version: Int, name: String, sql bytes: [UInt8]) {
        self.version = version
        self.name = name
        self.sql = String(decoding: bytes, as: UTF8.self)
    }
}
