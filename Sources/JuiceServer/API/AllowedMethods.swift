import HTTPTypes
import OpenAPIRuntime

/// The methods each API path answers, learnt by registering the API on it as if it were a router.
/// ``HTTPErrorMiddleware`` uses it to answer a known path with an unknown method (`TRACE`,
/// `OPTIONS`, …) with `405 Method Not Allowed` and an `Allow` header instead of 404.
struct AllowedMethods: Sendable {
    private struct Route: Sendable {
        /// Path segments; a `{name}` segment matches any one segment.
        let segments: [Substring]
        var methods: [HTTPRequest.Method]
    }

    private let routes: [Route]

    /// Calls `register` with a transport that records each operation's path and method.
    init(registering register: (any ServerTransport) throws -> Void) rethrows {
        let recorder = Recorder()
        try register(recorder)
        routes = recorder.routes
    }

    /// The methods `path` answers, or nil for a path no operation has.
    func methods(for path: String) -> [HTTPRequest.Method]? {
        let segments = Self.segments(path)
        return routes.first { route in
            route.segments.count == segments.count
                && zip(route.segments, segments).allSatisfy { pattern, segment in pattern.first == "{" || pattern == segment }
        }?.methods
    }

    /// Hummingbird matches paths by their non-empty segments, so `/v1/buddies/` is `/v1/buddies`.
    private static func segments(_ path: String) -> [Substring] {
        path.split(separator: "/")
    }

    private final class Recorder: ServerTransport {
        var routes: [Route] = []

        func register(
            _ handler: @escaping @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
            method: HTTPRequest.Method,
            path: String
        ) throws {
            let segments = AllowedMethods.segments(path)
            if let index = routes.firstIndex(where: { $0.segments == segments }) {
                routes[index].methods.append(method)
            } else {
                routes.append(Route(segments: segments, methods: [method]))
            }
        }
    }
}
