import Prometheus
import Synchronization

/// `juiced_requests_total{operation,status}` and `juiced_request_duration_seconds{operation}`.
/// Each series is looked up in the registry once, then kept: the registry's lookup rebuilds and
/// checks the name on every call, which would happen twice per request.
final class RequestMetrics: Sendable {
    private struct Series: Hashable {
        let operation: String
        let status: Int
    }

    private let registry: PrometheusCollectorRegistry
    private let counters = Mutex<[Series: Counter]>([:])
    private let histograms = Mutex<[String: DurationHistogram]>([:])

    init(registry: PrometheusCollectorRegistry) { self.registry = registry }

    func record(operation: String, status: Int, duration: Duration) {
        let series = Series(operation: operation, status: status)
        let counter = counters.withLock { cache in
            if let counter = cache[series] { return counter }
            let counter = registry.makeCounter(
                descriptor: MetricNameDescriptor(namespace: "juiced", metricName: "requests", unitName: "total", helpText: "API requests by operation and HTTP status."),
                labels: [("operation", operation), ("status", String(status))]
            )
            cache[series] = counter
            return counter
        }
        let histogram = histograms.withLock { cache in
            if let histogram = cache[operation] { return histogram }
            let histogram = registry.makeDurationHistogram(
                descriptor: MetricNameDescriptor(namespace: "juiced", metricName: "request_duration", unitName: "seconds", helpText: "API request time by operation."),
                labels: [("operation", operation)], buckets: Self.buckets
            )
            cache[operation] = histogram
            return histogram
        }
        counter.increment()
        histogram.record(duration)
    }

    static let buckets: [Duration] = [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1)]
}
