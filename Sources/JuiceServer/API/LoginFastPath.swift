import Foundation
import HTTPTypes
import JuiceAPI
import OpenAPIRuntime

/// Serves the login, the hottest call, with its reply written by
/// `LoginResponse.jsonBytes()` instead of Foundation's JSONEncoder. Anything out of the ordinary
/// (another content type, a body that does not decode) takes the generated path instead, so those
/// errors stay exactly as generated. Sits inside ``APIRequestMiddleware``, so tokens, the Accept
/// check, error mapping and metrics are the same for both paths.
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
        guard operationID == Operations.Login.id, let body, MediaType.isJSONBody(request.headerFields) else {
            return try await next(request, body, metadata)
        }
        let data = try await Data(collecting: body, upTo: maxBodyBytes)
        guard let login = try? JSONDecoder().decode(Components.Schemas.LoginRequest.self, from: data) else {
            return try await next(request, HTTPBody(data), metadata)
        }
        if MediaType.wantsJSONLines(request.headerFields) {
            let stream = try await api.loginStream(login)
            return (HTTPResponse(status: .ok, headerFields: [.contentType: MediaType.jsonLines, .xAccelBuffering: "no"]), stream)
        }
        let reply = try await api.login(login).jsonBytes()
        return (HTTPResponse(status: .ok, headerFields: [.contentType: MediaType.json]), HTTPBody(reply))
    }
}
