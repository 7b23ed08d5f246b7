import Foundation
import HTTPTypes
import JuiceAPI
import OpenAPIRuntime

/// Serves the login, the hottest call, with its reply written by
/// `LoginResponse.jsonBytes()` instead of Foundation's JSONEncoder. Anything out of the ordinary
/// (another content type, a body that does not decode) takes the generated path instead, so those
/// errors stay exactly as generated. Sits inside
/// ``APIRequestMiddleware``, so tokens, error mapping and metrics are the same for both paths.
struct LoginFastPath: ServerMiddleware {
    let api: AccountAPI
    let maxBodyBytes: Int

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard operationID == Operations.Login.id, let body else { return try await next(request, body, metadata) }
        // Refused before the login runs: a session nobody can read would show the user online.
        guard Self.accepts(request.headerFields[.accept]) else { return APIErrorMapping.notAcceptable.response }
        guard Self.mediaTypes(request.headerFields[.contentType] ?? "") == ["application/json"] else {
            return try await next(request, body, metadata)
        }
        let bytes = try await [UInt8](collecting: body, upTo: maxBodyBytes)
        guard let login = try? JSONDecoder().decode(Components.Schemas.LoginRequest.self, from: Data(bytes)) else {
            return try await next(request, HTTPBody(bytes), metadata)
        }
        let reply = try await api.login(login).jsonBytes()
        return (HTTPResponse(status: .ok, headerFields: [.contentType: "application/json; charset=utf-8"]), HTTPBody(reply))
    }

    /// No Accept header, or one that takes JSON.
    static func accepts(_ accept: String?) -> Bool {
        guard let accept else { return true }
        return mediaTypes(accept).contains { ["application/json", "application/*", "*/*"].contains($0) }
    }

    /// The media types of a header value, lower-cased, parameters dropped.
    static func mediaTypes(_ value: String) -> [String] {
        value.lowercased().split(separator: ",").map { String($0.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespaces) }
    }
}
