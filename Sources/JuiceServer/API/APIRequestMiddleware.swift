import HTTPTypes
import Logging
import OpenAPIRuntime
import Prometheus

/// Wraps every API operation: makes the bearer token available to handlers, maps failures to
/// responses (``APIErrorMapping``), and counts requests per operation and status for `/metrics`.
struct APIRequestMiddleware: ServerMiddleware {
    let metrics: PrometheusCollectorRegistry
    let logger: Logger

    func intercept(
        _ request: HTTPRequest,
        body: HTTPBody?,
        metadata: ServerRequestMetadata,
        operationID: String,
        next: @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?)
    ) async throws -> (HTTPResponse, HTTPBody?) {
        let start = ContinuousClock.now
        let result: (HTTPResponse, HTTPBody?)
        do {
            result = try await BearerToken.$current.withValue(BearerToken.parse(request.headerFields[.authorization])) {
                try await next(request, body, metadata)
            }
        } catch {
            let mapped = APIErrorMapping.of(error)
            if mapped.status.code >= 500 {
                logger.error("request failed", metadata: ["operation": "\(operationID)", "error": "\(String(describing: (error as? ServerError)?.underlyingError ?? error))"])
            }
            result = mapped.response
        }
        metrics.makeCounter(
            descriptor: Self.requests, labels: [("operation", operationID), ("status", String(result.0.status.code))]
        ).increment()
        metrics.makeDurationHistogram(
            descriptor: Self.duration, labels: [("operation", operationID)], buckets: Self.buckets
        ).record(ContinuousClock.now - start)
        return result
    }

    /// `juiced_requests_total` (computed: the descriptor type is not `Sendable`).
    static var requests: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "juiced", metricName: "requests", unitName: "total", helpText: "API requests by operation and HTTP status.")
    }

    /// `juiced_request_duration_seconds`.
    static var duration: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "juiced", metricName: "request_duration", unitName: "seconds", helpText: "API request time by operation.")
    }

    static let buckets: [Duration] = [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1)]
}
