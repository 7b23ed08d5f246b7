import Hummingbird
import Logging

/// Outermost HTTP middleware: caps request bodies (413 past the limit), and turns any error
/// that escaped the API layer (unknown route, oversized body, malformed framing) into the same
/// JSON error shape through ``APIErrorMapping``.
struct HTTPErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let maxBodyBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            var request = request
            if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBodyBytes {
                throw HTTPError(.contentTooLarge)
            }
            _ = try await request.collectBody(upTo: maxBodyBytes)
            return try await next(request, context)
        } catch {
            let mapped = APIErrorMapping.of(error, operation: nil, logger: context.logger)
            return Response(status: mapped.status, headers: mapped.headerFields, body: .init(byteBuffer: ByteBuffer(bytes: mapped.jsonBody)))
        }
    }
}
