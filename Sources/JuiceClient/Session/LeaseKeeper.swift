import ServiceLifecycle

/// Keeps the presence lease: renews it at half its length; when the server no longer knows the
/// session (401: expired, or replaced by another login or a password change) logs in again.
/// Transient failures (the server unreachable, a 5xx) are reported and retried 5 s later. A
/// failed login again ends the session: it is reported, and thrown, so `juice login` exits
/// non-zero. Graceful shutdown stops it at once, mid-call or not.
struct LeaseKeeper: Service {
    let login: SessionLogin
    /// The lease the first login granted.
    let lease: Lease

    func run() async throws {
        try await cancelWhenGracefulShutdown { try await keep() }
    }

    private func keep() async throws {
        var seconds = lease.seconds
        while true {
            do {
                try await Task.sleep(for: .seconds(max(1, seconds / 2)))
            } catch {
                return // cancelled: the session is ending
            }
            guard let next = try await renewed() else { return }
            seconds = next
        }
    }

    /// The new lease's length; nil when cancelled meanwhile.
    private func renewed() async throws -> Int? {
        let printer = login.printer
        do {
            return try await login.service.renew().seconds
        } catch let error as ServiceError where error.status == 401 {
            printer.emit(.error("session expired or replaced; logging in again"))
            do {
                return try await login.goOnline().seconds
            } catch {
                if Task.isCancelled { return nil }
                let failure = ServiceError(status: (error as? ServiceError)?.status, message: "logging in again failed: \(error)")
                printer.emit(.error(failure.message))
                throw failure
            }
        } catch {
            if Task.isCancelled { return nil }
            printer.emit(.error("lease renewal failed: \((error as? ServiceError)?.message ?? "\(error)"); retrying"))
            return 10 // half of it: the next try in 5 s
        }
    }
}
