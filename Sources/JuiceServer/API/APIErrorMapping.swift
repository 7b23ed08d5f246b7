import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOHTTP1
import OpenAPIRuntime
import Postgres

/// The one place where failures become HTTP responses: a status and a JSON body
/// `{"error": code, "message": one line}`. Unexpected errors become a 500 with no details.
struct APIErrorMapping {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    var retryAfter: Int? = nil

    /// Maps `error`, and logs it when the failure is the server's (5xx). The log names the
    /// operation and the error, never the request: its fields may hold keys and tokens.
    static func of(_ error: any Error, operation: String?, logger: Logger) -> APIErrorMapping {
        let mapped = of(error)
        if mapped.status.code >= 500 {
            let cause = (error as? ServerError)?.underlyingError ?? error
            logger.error("request failed", metadata: [
                "operation": "\(operation ?? "-")", "status": "\(mapped.status.code)", "error": "\(String(describing: cause))",
            ])
        }
        return mapped
    }

    /// Maps `error` without logging.
    static func of(_ error: any Error) -> APIErrorMapping {
        switch error {
        case let error as AccountError:
            of(error)
        case let error as MalformedRequest:
            malformed(error.status, error.reason)
        case let error as PostgresError where error.kind == .saturated:
            APIErrorMapping(status: .serviceUnavailable, code: "unavailable", message: "the server is busy; try again", retryAfter: 1)
        case let error as PostgresError where error.isUnavailable:
            APIErrorMapping(status: .serviceUnavailable, code: "unavailable", message: "the database is unavailable; try again", retryAfter: 5)
        case let error as ServerError:
            of(error)
        case is HTTPParserError:
            APIErrorMapping(status: .badRequest, code: "bad_request", message: "malformed HTTP framing")
        case let error as any HTTPResponseError:
            of(error.status)
        default:
            APIErrorMapping(status: .internalServerError, code: "internal", message: "internal error")
        }
    }

    /// An Accept header that rules out the JSON reply.
    static let notAcceptable = of(MalformedRequest.notAcceptable)

    /// The OpenAPI runtime wraps whatever an operation or a middleware threw. A failure of its
    /// own while decoding the request or negotiating content carries a 4xx status; anything else
    /// is mapped by what was thrown, whichever layer threw it.
    private static func of(_ error: ServerError) -> APIErrorMapping {
        if (400..<500).contains(error.httpStatus.code) {
            return malformed(error.httpStatus, shortReason(error.underlyingError))
        }
        return of(error.underlyingError)
    }

    private static func malformed(_ status: HTTPResponse.Status, _ reason: String) -> APIErrorMapping {
        APIErrorMapping(status: status, code: "malformed_request", message: "the request does not match the API: \(reason)")
    }

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
        case let .conflict(code, reason):
            APIErrorMapping(status: .conflict, code: code, message: reason)
        }
    }

    /// Errors of the HTTP layer (unknown route, wrong method, oversized body).
    private static func of(_ status: HTTPResponse.Status) -> APIErrorMapping {
        switch status {
        case .contentTooLarge: APIErrorMapping(status: status, code: "body_too_large", message: "request body is too large")
        case .notFound: APIErrorMapping(status: status, code: "not_found", message: "no such endpoint")
        case .methodNotAllowed: APIErrorMapping(status: status, code: "method_not_allowed", message: "this endpoint does not answer that method; see the Allow header")
        default:
            APIErrorMapping(
                status: status, code: status.code < 500 ? "bad_request" : "internal",
                message: status.reasonPhrase.isEmpty ? "request failed" : status.reasonPhrase.lowercased()
            )
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
        case let error as any HTTPResponseConvertible where error.httpStatus == .unsupportedMediaType: MalformedRequest.unsupportedMediaType.reason
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
