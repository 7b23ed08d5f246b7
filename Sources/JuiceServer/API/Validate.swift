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
}
