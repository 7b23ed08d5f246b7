import HTTPTypes

/// A request that does not match the API, found by Juice's own checks before an operation runs
/// (the generated code finds the rest). ``APIErrorMapping`` answers `malformed_request`. Reasons
/// name fields, never their values.
enum MalformedRequest: Error, Equatable {
    /// An Accept header that rules out the JSON reply.
    case notAcceptable
    /// A request body that is not `application/json`.
    case unsupportedMediaType
    /// A JSON `null`, which no field of the API takes (a field is either given or left out).
    case nullValue(field: String)
    /// A byte string that is not strict standard base64 with padding.
    case invalidBase64(field: String)

    /// The status it is answered with.
    var status: HTTPResponse.Status {
        switch self {
        case .notAcceptable: .notAcceptable
        case .unsupportedMediaType: .unsupportedMediaType
        case .nullValue, .invalidBase64: .badRequest
        }
    }

    /// One line that says what was wrong.
    var reason: String {
        switch self {
        case .notAcceptable: "the Accept header rules out the reply's application/json"
        case .unsupportedMediaType: "the request body must be Content-Type: application/json"
        case .nullValue(let field): "null is not a value of \(field); leave the field out instead"
        case .invalidBase64(let field): "\(field) is not standard base64 with padding"
        }
    }
}
