import Foundation
import HTTPTypes
import JuiceAPI
import OpenAPIRuntime

/// Checks a JSON request body before the generated code decodes it, because the generated code
/// and the OpenAPI runtime are lenient where the protocol is not: a non-empty body must be
/// `Content-Type: application/json` (the runtime also takes `*/*` or none: 415 here), and the
/// JSON must pass ``StrictJSON`` (no `null`, strict base64: 400 here).
struct StrictRequestBody: ServerMiddleware {
    let maxBodyBytes: Int

    /// Operations that take a JSON request body.
    static let jsonBodies: Set<String> = [
        Operations.Register.id, Operations.Login.id, Operations.Renew.id, Operations.ChangePassword.id,
    ]

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        guard Self.jsonBodies.contains(operationID), let body else { return try await next(request, body, metadata) }
        let data = try await Data(collecting: body, upTo: maxBodyBytes)
        if !data.isEmpty {
            // An empty body is left to the generated code, which answers that it is missing.
            guard MediaType.isJSONBody(request.headerFields) else { throw MalformedRequest.unsupportedMediaType }
            try StrictJSON.check(data)
        }
        return try await next(request, HTTPBody(data), metadata)
    }
}
