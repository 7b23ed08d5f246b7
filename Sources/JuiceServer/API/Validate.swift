import JuiceAPI
import JuiceCore
import OpenAPIRuntime
import Sodium

/// Turns request fields into domain values, or ``AccountError/invalid(_:)`` with a one-line reason.
enum Validate {
    static func username(_ raw: String) throws -> Username {
        do { return try Username(raw) } catch { throw AccountError.invalid(error.description) }
    }

    static func realm(_ raw: String, _ expected: Realm) throws {
        guard raw == expected.name else {
            throw AccountError.invalid("realm mismatch: this server's realm is \(expected.name)")
        }
    }

    static func authKey(_ data: Base64EncodedData) throws -> SecretBytes {
        guard data.data.count == AuthVerifier.length else { throw AccountError.invalid("auth key must be \(AuthVerifier.length) bytes") }
        return SecretBytes(data.data)
    }

    static func endpoint(_ raw: String) throws -> Endpoint {
        do { return try Endpoint(raw) } catch { throw AccountError.invalid(error.description) }
    }

    /// The login's candidates (docs/reachability.md 3.4): at most 8, each valid, no address
    /// twice; loopback only from a loopback client. Any failure refuses the request.
    static func candidates(_ raw: [Components.Schemas.Candidate]?, from source: ClientSource) throws -> [Candidate] {
        guard let raw else { return [] }
        guard raw.count <= Candidate.maxCount else { throw AccountError.invalid("at most \(Candidate.maxCount) candidates") }
        var seen = Set<Endpoint>()
        return try raw.map { item in
            let candidate: Candidate
            do {
                candidate = try Candidate(kind: item._type.rawValue, address: item.address, allowLoopback: source.isLoopback)
            } catch {
                throw AccountError.invalid((error as? InvalidValue)?.description ?? "invalid candidate")
            }
            guard seen.insert(candidate.address).inserted else { throw AccountError.invalid("candidate \(candidate.address) is listed twice") }
            return candidate
        }
    }

    static func statusText(_ raw: String) throws -> String {
        do { return try StatusText.validate(raw) } catch { throw AccountError.invalid(error.description) }
    }

    /// A login's prekeys (docs/protocol.md 5.1): a 16-byte set, at most 100 valid X25519 public
    /// keys, none twice.
    static func prekeys(_ raw: Components.Schemas.Prekeys?) throws -> PrekeyUpload? {
        guard let raw else { return nil }
        let set = try bytes(raw.set, count: 16, "prekey set")
        guard raw.keys.count <= 100 else { throw AccountError.invalid("at most 100 prekeys") }
        let keys = try raw.keys.map { try publicKey($0, "prekey") }
        guard Set(keys).count == keys.count else { throw AccountError.invalid("a prekey is listed twice") }
        return PrekeyUpload(set: set, keys: keys)
    }

    /// An X25519 public key: 32 bytes, not all zero, not of low order.
    static func publicKey(_ data: Base64EncodedData, _ what: String) throws -> [UInt8] {
        let key = try bytes(data, count: BoxKeyPair.publicKeyLength, what)
        do { try BoxKeyPair.validate(publicKey: key) } catch { throw AccountError.invalid("\(what) is not a usable X25519 public key") }
        return key
    }

    /// Exactly `count` bytes.
    static func bytes(_ data: Base64EncodedData, count: Int, _ what: String) throws -> [UInt8] {
        guard data.data.count == count else { throw AccountError.invalid("\(what) must be \(count) bytes") }
        return Array(data.data)
    }

    /// A waiting message's envelope (docs/protocol.md 5.3): its length for its mode, version 1,
    /// and the message ID inside it equal to `id`. The rest is sealed; only the recipient checks it.
    static func envelope(_ data: Base64EncodedData, id: [UInt8]) throws -> [UInt8] {
        let envelope = Array(data.data)
        guard envelope.count >= 2, envelope[0] == 1, envelope[1] <= 1 else { throw AccountError.invalid("the envelope is not version 1 of a known mode") }
        let header = envelope[1] == 1 ? 82 : 50
        guard envelope.count >= header + 24, envelope.count <= 16_490 else {
            throw AccountError.invalid("the envelope must be \(header + 24) to 16490 bytes")
        }
        guard Array(envelope[(header - 16)..<header]) == id else { throw AccountError.invalid("the envelope's message ID is not id") }
        return envelope
    }
}
