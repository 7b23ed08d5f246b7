import Hummingbird
import Logging

/// Outermost HTTP middleware: caps request bodies (413 past the limit), and turns any error
/// that escaped the API layer (unknown route, unknown method, oversized body, malformed framing)
/// into the same JSON error shape through ``APIErrorMapping``. An unknown method on a known path
/// is a 405 with `Allow`, not the router's 404.
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
        } catch let error as any HTTPResponseError where error.status == .notFound {
            guard let allowed = allowedMethods.methods(for: request.uri.path) else { return Self.response(APIErrorMapping.of(error)) }
            var response = Self.response(APIErrorMapping.of(HTTPError(.methodNotAllowed)))
            response.headers[.allow] = allowed.map(\.rawValue).joined(separator: ", ")
            return response
        } catch {
            return Self.response(APIErrorMapping.of(error, operation: nil, logger: context.logger))
        }
    }

    private static func response(_ mapped: APIErrorMapping) -> Response {
        Response(status: mapped.status, headers: mapped.headerFields, body: .init(byteBuffer: ByteBuffer(bytes: mapped.jsonBody)))
    }
}
