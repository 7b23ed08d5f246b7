import Foundation
import HTTPTypes
import NIOSSL
import OpenAPIRuntime
import Synchronization

/// Adds `Authorization: Bearer <token>` once a session token is known.
final class BearerTokenMiddleware: ClientMiddleware {
    private let token = Mutex<String?>(nil)

    func set(_ value: String?) { token.withLock { $0 = value } }

    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        if let value = token.withLock({ $0 }) { request.headerFields[.authorization] = "Bearer \(value)" }
        return try await next(request, body, baseURL)
    }
}

/// Turns every non-2xx response into a ``ServiceError`` carrying the server's message, so
/// callers only ever see successful outputs; and transport failures into one clear line.
struct ServiceErrorMiddleware: ClientMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let (response, responseBody) : (HTTPResponse, HTTPBody?)
        do {
            (response, responseBody) = try await next(request, body, baseURL)
        } catch {
            // The transport's error arrives wrapped in a ClientError whose description holds the
            // whole request, auth key included: only its kind is kept.
            throw Self.transportFailure((error as? ClientError)?.underlyingError ?? error, baseURL)
        }
        guard response.status.kind != .successful else { return (response, responseBody) }
        var message = "the server answered \(response.status.code) \(response.status.reasonPhrase)", code: String?
        if let responseBody, let data = try? await Data(collecting: responseBody, upTo: 64 * 1024),
           let json = try? JSONDecoder().decode([String: String].self, from: data) {
            message = json["message"] ?? message
            code = json["error"]
        }
        throw ServiceError(status: response.status.code, message: message, code: code)
    }

    private static func transportFailure(_ error: any Error, _ baseURL: URL) -> ServiceError {
        let server = baseURL.absoluteString
        return switch error {
        case is NIOSSLError: ServiceError(status: nil, message: "the Juice server at \(server) did not present a certificate this client trusts (for a private CA, pass --ca-file)")
        case is NIOSSLExtraError: ServiceError(status: nil, message: "the Juice server at \(server) presented a certificate for another name")
        default: ServiceError(status: nil, message: "cannot reach the Juice server at \(server)")
        }
    }
}

/// Sends `Connection: close`, so that a rendezvous stream's connection is closed when the stream
/// ends and never reused. juiced closes it after the stream's last line (its stream responses
/// watch for the client's close, and Hummingbird then closes the connection) without saying so
/// in the response, so the HTTP client would pool it, and the request that follows an `ended`
/// (a login again) could go out on a connection being closed and fail as "cannot reach the
/// Juice server".
struct CloseAfterResponseMiddleware: ClientMiddleware {
    func intercept(
        _ request: HTTPRequest, body: HTTPBody?, baseURL: URL, operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, URL) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        var request = request
        request.headerFields[.connection] = "close"
        return try await next(request, body, baseURL)
    }
}
