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

    static func statusText(_ raw: String) throws -> String {
        do { return try StatusText.validate(raw) } catch { throw AccountError.invalid(error.description) }
    }
}
