// The generated API lives in this module: Types, Client and APIProtocol.
import Foundation
import OpenAPIRuntime

extension Configuration {
    /// What the Juice client and server both use: compact JSON, and dates in ISO 8601 through
    /// Foundation's Swift formatter. The runtime's defaults (sorted, pretty-printed JSON; an ICU
    /// date formatter) cost a fifth of the server's CPU per login in a profile.
    public static let juice = Configuration(dateTranscoder: ISO8601FormatStyleTranscoder(), jsonEncodingOptions: [])
}

/// Internet date-time ("2026-11-21T16:54:01Z"), the format of the runtime's `.iso8601`.
public struct ISO8601FormatStyleTranscoder: DateTranscoder {
    public init() {}

    public func encode(_ date: Date) -> String {
        Date.ISO8601FormatStyle().format(date)
    }

    public func decode(_ string: String) throws -> Date {
        try Date.ISO8601FormatStyle().parse(string)
    }
}
