import Glibc
import Logging

/// The process's open-file limit (`RLIMIT_NOFILE`), which bounds sockets too.
enum DescriptorLimit {
    /// Descriptors kept for everything but HTTP connections, on top of the database pool: the
    /// listening socket, logs, TLS files, a private cluster's pipes, libpq's own.
    static let reserve = 64

    /// The largest connection cap that fits: raises the soft limit towards what `maxConnections`
    /// and `poolSize` need (never above the hard limit, as Go and nginx do), and lowers the cap,
    /// with a warning, when the hard limit is too low. Without this, accept() would fail with
    /// EMFILE once the limit is reached, instead of the cap closing the surplus connections.
    static func fit(maxConnections: Int, poolSize: Int, logger: Logger) -> Int {
        let needed = maxConnections + poolSize + reserve
        let available = raiseSoftLimit(to: needed)
        guard available < needed else { return maxConnections }
        let fitted = max(1, available - poolSize - reserve)
        logger.warning("the open-file limit is too low for --max-connections; using a lower cap (raise LimitNOFILE or ulimit -n)", metadata: [
            "limit": "\(available)", "max-connections": "\(fitted)",
        ])
        return fitted
    }

    /// Raises the soft limit to `needed` or the hard limit, whichever is lower; returns the soft
    /// limit in force afterwards. (`RLIM_INFINITY` is the largest `rlim_t`, so plain comparisons
    /// treat it right.)
    private static func raiseSoftLimit(to needed: Int) -> Int {
        let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        var limit = rlimit()
        guard getrlimit(resource, &limit) == 0 else { return needed }
        if limit.rlim_cur < rlim_t(needed) {
            var wanted = limit
            wanted.rlim_cur = min(rlim_t(needed), limit.rlim_max)
            if setrlimit(resource, &wanted) == 0 { limit = wanted }
        }
        return Int(clamping: limit.rlim_cur)
    }
}
