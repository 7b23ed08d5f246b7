import Foundation
import HTTPTypes
import OpenAPIRuntime
import Postgres

/// The one place where failures become HTTP responses: a status and a JSON body
/// `{"error": code, "message": one line}`. Unexpected errors become a 500 with no details.
struct APIErrorMapping {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    var retryAfter: Int? = nil

    static func of(_ error: any Error) -> APIErrorMapping {
        switch error {
        case let error as AccountError:
            return of(error)
        case let error as PostgresError where error.kind == .connection || error.kind == .closed:
            return APIErrorMapping(status: .serviceUnavailable, code: "unavailable", message: "the database is unavailable; try again")
        case let error as ServerError:
            // Decoding and content negotiation failures: before the handler ran, or (an Accept
            // header without JSON) while writing its reply, which the runtime marks as a 4xx.
            let clientError = (400..<500).contains(error.httpStatus.code)
            if !(error.underlyingError is AccountError), error.operationInput == nil || clientError {
                return APIErrorMapping(
                    status: clientError ? error.httpStatus : .badRequest, code: "malformed_request",
                    message: malformed(shortReason(error.underlyingError))
                )
            }
            return of(error.underlyingError)
        default:
            return APIErrorMapping(status: .internalServerError, code: "internal", message: "internal error")
        }
    }

    /// An Accept header that rules out the JSON reply.
    static let notAcceptable = APIErrorMapping(status: .notAcceptable, code: "malformed_request", message: malformed(notAcceptableReason))
    private static let notAcceptableReason = "the Accept header rules out the reply's application/json"

    private static func malformed(_ reason: String) -> String { "the request does not match the API: \(reason)" }

    private static func of(_ error: AccountError) -> APIErrorMapping {
        switch error {
        case .invalid(let reason):
            APIErrorMapping(status: .badRequest, code: "invalid_request", message: reason)
        case .usernameTaken:
            APIErrorMapping(status: .conflict, code: "username_taken", message: "that username is taken")
        case .publicKeyTaken:
            APIErrorMapping(status: .conflict, code: "public_key_taken", message: "another account already has that public key; make a new identity key")
        case .invalidCredentials:
            APIErrorMapping(status: .unauthorized, code: "invalid_credentials", message: "invalid username or password")
        case .throttled(let seconds):
            APIErrorMapping(status: .tooManyRequests, code: "throttled", message: "too many failed password checks; try again in \(seconds) s", retryAfter: seconds)
        case let .limitReached(reason, seconds):
            APIErrorMapping(status: .tooManyRequests, code: "limit_reached", message: reason, retryAfter: seconds)
        case .unauthenticated:
            APIErrorMapping(status: .unauthorized, code: "unauthenticated", message: "missing, expired or replaced session token; log in again")
        case .notFound(let what):
            APIErrorMapping(status: .notFound, code: "not_found", message: what)
        }
    }

    /// A reason that names what was wrong without echoing the request's values.
    private static func shortReason(_ error: any Error) -> String {
        switch error {
        case let DecodingError.keyNotFound(key, _): "missing field \(key.stringValue)"
        case let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context):
            "wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case DecodingError.dataCorrupted: "the body is not valid JSON for this operation"
        case let error as any HTTPResponseConvertible where error.httpStatus == .notAcceptable: "the Accept header rules out the reply's media type"
        default: "the body, content type or a parameter is invalid"
        }
    }

    /// The response as status, headers and JSON body.
    var response: (HTTPResponse, HTTPBody) {
        (HTTPResponse(status: status, headerFields: headerFields), HTTPBody(jsonBody))
    }

    /// Content type, and `Retry-After` when set.
    var headerFields: HTTPFields {
        var fields: HTTPFields = [.contentType: MediaType.json]
        if let retryAfter { fields[.retryAfter] = String(retryAfter) }
        return fields
    }

    /// The JSON body.
    var jsonBody: [UInt8] {
        var json = JSONWriter(capacity: 48 + code.utf8.count + message.utf8.count)
        json.beginObject()
        json.field("error"); json.string(code)
        json.field("message"); json.string(message)
        json.endObject()
        return json.bytes
    }
}
