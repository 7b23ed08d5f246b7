import JuiceCore

/// Buddies whose public key the server states for someone else too. Public keys are unique in
/// the database, so a shared key means a dishonest or broken server; a message under that key
/// could be shown under the wrong name, so none of these buddies is trusted.
public enum SharedKeys {
    /// The buddies in `keys` whose key another buddy in `keys`, or the user (`own`), also has.
    public static func find(in keys: [(Username, [UInt8])], own: [UInt8]) -> [Username] {
        var holders: [[UInt8]: Int] = [own: 1]
        for (_, key) in keys { holders[key, default: 0] += 1 }
        return keys.filter { holders[$0.1, default: 0] > 1 }.map(\.0)
    }

    /// The one-line warning for the user.
    public static func warning(_ names: [String]) -> String {
        "the server states the same public key for more than one account (\(names.joined(separator: ", "))): not trusting them; the server is misbehaving"
    }
}
