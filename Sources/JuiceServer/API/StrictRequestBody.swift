import Foundation
import HTTPTypes
import JuiceAPI
import OpenAPIRuntime

/// Checks a JSON request body before the generated code decodes it, because the generated code
/// and the OpenAPI runtime are lenient where the protocol is not: a non-empty body must be
/// `Content-Type: application/json` (the runtime also takes `*/*` or none: 415 here), and the
/// JSON must pass ``StrictJSON`` (no `null`, strict base64: 400 here).
enum StrictRequestBody {
    /// Operations that take a JSON request body.
    static let operations: Set<String> = [
        Operations.Register.id, Operations.Login.id, Operations.Renew.id, Operations.ChangePassword.id,
    ]

    /// The body, collected and checked, or ``MalformedRequest``. An empty body is passed on
    /// unchecked: the generated code answers that it is missing.
    static func checked(_ body: HTTPBody?, of request: HTTPRequest, operationID: String, maxBodyBytes: Int) async throws -> HTTPBody? {
        guard operations.contains(operationID), let body else { return body }
        let data = try await Data(collecting: body, upTo: maxBodyBytes)
        if !data.isEmpty {
            guard MediaType.isJSONBody(request.headerFields) else { throw MalformedRequest.unsupportedMediaType }
            try StrictJSON.check(data)
        }
        return HTTPBody(data)
    }
}
