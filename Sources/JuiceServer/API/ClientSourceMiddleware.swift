import Hummingbird

/// Makes the request's ``ClientSource`` available to the API handlers.
struct ClientSourceMiddleware<Context: RemoteAddressRequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        try await ClientSource.$current.withValue(ClientSource(context.remoteAddress)) {
            try await next(request, context)
        }
    }
}
