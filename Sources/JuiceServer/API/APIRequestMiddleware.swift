import HTTPTypes
import JuiceAPI
import Logging
import OpenAPIRuntime

/// Wraps every API operation: refuses an Accept header that rules out a JSON reply and checks a
/// JSON body (``StrictRequestBody``) before the operation runs, makes the bearer token available
/// to handlers, maps failures to responses (``APIErrorMapping``), and counts requests per
/// operation and status for `/metrics`.
struct APIRequestMiddleware: ServerMiddleware {
    let metrics: RequestMetrics
    let logger: Logger
    let maxBodyBytes: Int

    /// Operations whose success reply is JSON. The generated code checks Accept only when it
    /// writes the reply, after the operation has registered, logged in or changed something.
    static let jsonReplies: Set<String> = [
        Operations.Register.id, Operations.Login.id, Operations.Renew.id,
        Operations.ListBuddies.id, Operations.RequestBuddy.id, Operations.AcceptBuddy.id,
    ]

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let start = ContinuousClock.now
        let result: (HTTPResponse, HTTPBody?)
        let streamed = operationID == Operations.Login.id && MediaType.wantsJSONLines(request.headerFields)
        let refusesStream = operationID == Operations.ResumeStream.id && !MediaType.acceptsJSONLines(request.headerFields)
        if refusesStream || (Self.jsonReplies.contains(operationID) && !MediaType.acceptsJSON(request.headerFields) && !streamed) {
            result = APIErrorMapping.notAcceptable.response
        } else {
            do {
                let body = try await StrictRequestBody.checked(body, of: request, operationID: operationID, maxBodyBytes: maxBodyBytes)
                result = try await BearerToken.$current.withValue(BearerToken.parse(request.headerFields[.authorization])) {
                    try await next(request, body, metadata)
                }
            } catch {
                result = APIErrorMapping.of(error, operation: operationID, logger: logger).response
            }
        }
        metrics.record(operation: operationID, status: result.0.status.code, duration: ContinuousClock.now - start)
        return result
    }
}
