import Foundation
import JuicePeer

/// The last relay credential a login gave, in the user's state directory (`relay.json`, mode
/// 0600, beside the pinned keys): with it the next login allocates its relay first and states
/// the relayed address in the login itself (docs/reachability.md 3.3). It is a credential for
/// the relay only (coturn's, expiring): nothing of the account.
struct RelayAccessCache: Sendable {
    let file: URL

    init(directory: URL) {
        file = directory.appendingPathComponent("relay.json")
    }

    /// The cached credential, if there is a readable one.
    func load() -> RelayAccess? {
        guard let data = FileManager.default.contents(atPath: file.path) else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode(RelayAccess.self, from: data)
    }

    /// Replaces the cached credential; a failure only costs the next login its early relay.
    func save(_ access: RelayAccess) throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        try StateFileWriter.write(try encoder.encode(access), to: file)
    }
}
