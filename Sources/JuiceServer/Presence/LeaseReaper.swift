import Logging
import ServiceLifecycle

/// Writes peer ID 0 for every lapsed presence lease and deletes dead sessions and expired waiting
/// messages (their senders get `expired` receipts), periodically.
///
/// Reads never depend on it (an expired lease already reads as 0); it keeps the table honest for
/// anything that looks at `presence_state` directly. Any number of instances may run it.
struct LeaseReaper: Service {
    let store: AccountStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    let reaped = try await store.reap()
                    let expired = try await store.reapMailbox()
                    if expired > 0 { logger.info("expired waiting messages deleted", metadata: ["senders": "\(expired)"]) }
                    if reaped.leases > 0 || reaped.sessions > 0 {
                        logger.info("expired leases set to 0 and dead sessions deleted", metadata: ["leases": "\(reaped.leases)", "sessions": "\(reaped.sessions)"])
                    }
                } catch {
                    logger.warning("lease reaper failed; will retry", metadata: ["error": "\(error)"])
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}
