import Hummingbird
import Logging

/// Outermost HTTP middleware: caps request bodies (413 past the limit), and turns any error
/// that escaped the API layer (unknown route, unknown method, oversized body) into the same JSON
/// error shape. An unknown method on a known path is a 405 with `Allow`, not the router's 404.
struct HTTPErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let maxBodyBytes: Int
    let allowedMethods: AllowedMethods

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            var request = request
            if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
                throw HTTPError(.contentTooLarge)
            }
            _ = try await request.collectBody(upTo: maxBodyBytes)
            return try await next(request, context)
        } catch let error as any HTTPResponseError {
            if error.status == .notFound, let allowed = allowedMethods.methods(for: request.uri.path) {
                var response = Self.response(APIErrorMapping(status: .methodNotAllowed, code: Self.code(.methodNotAllowed), message: Self.message(.methodNotAllowed)))
                response.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
                return response
            }
            return Self.response(APIErrorMapping(status: error.status, code: Self.code(error.status), message: Self.message(error.status)))
        } catch {
            context.logger.error("unhandled error", metadata: ["error": "\(error)"])
            return Self.response(APIErrorMapping.of(error))
        }
    }

    private static func response(_ mapped: APIErrorMapping) -> Response {
        Response(status: mapped.status, headers: mapped.headerFields, body: .init(byteBuffer: ByteBuffer(bytes: mapped.jsonBody)))
    }

    private static func code(_ status: HTTPResponse.Status) -> String {
        switch status {
        case .contentTooLarge: "body_too_large"
        case .notFound: "not_found"
        case .methodNotAllowed: "method_not_allowed"
        default: status.code < 500 ? "bad_request" : "internal"
        }
    }

    private static func message(_ status: HTTPResponse.Status) -> String {
        switch status {
        case .contentTooLarge: "request body is too large"
        case .notFound: "no such endpoint"
        case .methodNotAllowed: "this endpoint does not answer that method; see the Allow header"
        default: status.reasonPhrase.isEmpty ? "request failed" : status.reasonPhrase.lowercased()
        }
    }
}
