import HTTPTypes

/// The two header checks the API makes before an operation runs.
enum MediaType {
    static let json = "application/json; charset=utf-8"

    /// No Accept header (or an empty one), or one that takes JSON, as the runtime decides it.
    static func acceptsJSON(_ headers: HTTPFields) -> Bool {
        let accepted = list(headers[.accept] ?? "")
        return accepted.isEmpty || accepted.contains { ["application/json", "application/*", "*/*"].contains($0) }
    }

    /// A JSON request body, or one without a Content-Type, which the runtime also reads as JSON.
    static func isJSONBody(_ headers: HTTPFields) -> Bool {
        headers[.contentType].map { list($0) == ["application/json"] } ?? true
    }

    /// The media types of a header value, lower-cased, parameters dropped.
    private static func list(_ value: String) -> [String] {
        value.lowercased().split(separator: ",").map { String($0.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespaces) }
    }
}
