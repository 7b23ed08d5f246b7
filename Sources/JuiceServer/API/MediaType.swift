import Foundation
import HTTPTypes

/// The two header checks the API makes before an operation runs.
enum MediaType {
    static let json = "application/json; charset=utf-8"
    /// The rendezvous stream: JSON Lines (docs/reachability.md 2.1).
    static let jsonLines = "application/jsonl"

    /// An Accept header that asks for the rendezvous stream: it lists `application/jsonl` and not
    /// `application/json`. A client that takes both (the generated client lists every type a
    /// reply may have) gets the single JSON reply, as before the stream existed.
    static func wantsJSONLines(_ headers: HTTPFields) -> Bool {
        wantsJSONLines(headers[values: .accept])
    }

    /// No Accept header, or one that takes JSON Lines (the resumed stream has no other form).
    static func acceptsJSONLines(_ headers: HTTPFields) -> Bool {
        let accepted = list(headers[.accept] ?? "")
        return accepted.isEmpty || accepted.contains { ["application/jsonl", "application/*", "*/*"].contains($0) }
    }

    /// ``wantsJSONLines(_:)-swift.method`` over Accept header values.
    static func wantsJSONLines(_ values: [String]) -> Bool {
        let accepted = values.flatMap { list($0) }
        return accepted.contains("application/jsonl") && !accepted.contains("application/json")
    }

    /// No Accept header (or an empty one), or one that takes JSON, as the runtime decides it.
    static func acceptsJSON(_ headers: HTTPFields) -> Bool {
        let accepted = list(headers[.accept] ?? "")
        return accepted.isEmpty || accepted.contains { ["application/json", "application/*", "*/*"].contains($0) }
    }

    /// A Content-Type of exactly `application/json`, with no parameter but `charset=utf-8`.
    /// No Content-Type, `*/*` or any other type is not JSON (the runtime would take the first two).
    static func isJSONBody(_ headers: HTTPFields) -> Bool {
        guard let value = headers[.contentType] else { return false }
        let parts = value.lowercased().split(separator: ";", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        return parts.first == "application/json" && parts.dropFirst().allSatisfy { $0.replacingOccurrences(of: " ", with: "") == "charset=utf-8" }
    }

    /// The media types of a header value, lower-cased, parameters dropped.
    private static func list(_ value: String) -> [String] {
        value.lowercased().split(separator: ",").map { String($0.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespaces) }
    }
}
