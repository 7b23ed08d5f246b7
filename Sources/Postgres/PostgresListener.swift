import CLibPQ
import Foundation
import Glibc
import Logging
import Synchronization

/// What a ``PostgresListener`` reports.
public enum PostgresListenerEvent: Sendable, Equatable {
    /// `LISTEN` is in place: at the start and after every reconnection. Notifications sent while
    /// no connection listened are lost, so a receiver resynchronises on this.
    case listening
    /// A notification on the channel, with its payload.
    case notification(String)
}

/// One dedicated libpq connection that `LISTEN`s on one channel, on its own thread: it waits on
/// `PQsocket` with `poll`, reads with `PQconsumeInput` and drains `PQnotifies`. When the
/// connection breaks it reconnects and listens again, after `retryDelay`.
public final class PostgresListener: Sendable {
    private let configuration: ConnectionConfiguration
    /// The channel name (quoted by libpq when listened on).
    public let channel: String
    private let retryDelay: Duration
    private let logger: Logger

    /// A listener on `channel`; nothing happens until ``run(_:)``.
    public init(configuration: ConnectionConfiguration, channel: String, retryDelay: Duration = .seconds(1), logger: Logger) {
        self.configuration = configuration
        self.channel = channel
        self.retryDelay = retryDelay
        self.logger = logger
    }

    /// Listens until the calling task is cancelled, calling `onEvent` on the listener's thread.
    public func run(_ onEvent: @escaping @Sendable (PostgresListenerEvent) -> Void) async {
        let stopped = StopFlag()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
                let thread = Thread { [self] in
                    listen(until: stopped, onEvent)
                    finished.resume()
                }
                thread.name = "postgres-listen"
                thread.start()
            }
        } onCancel: {
            stopped.stop()
        }
    }

    /// Connects, listens and drains until `stopped`; reconnects whenever the connection breaks.
    private func listen(until stopped: StopFlag, _ onEvent: (PostgresListenerEvent) -> Void) {
        while !stopped.isStopped {
            do {
                let connection = try PostgresConnection(configuration)
                try connection.executeScript("LISTEN " + connection.quotedIdentifier(channel))
                onEvent(.listening)
                drain(connection, until: stopped, onEvent)
            } catch {
                logger.warning("cannot listen for notifications; will retry", metadata: ["error": "\(error)"])
            }
            let retry = ContinuousClock.now + retryDelay
            while !stopped.isStopped, ContinuousClock.now < retry { usleep(50_000) }
        }
    }

    /// Delivers notifications until the connection breaks or `stopped` (checked every 200 ms).
    private func drain(_ connection: PostgresConnection, until stopped: StopFlag, _ onEvent: (PostgresListenerEvent) -> Void) {
        let handle = connection.handle
        while !stopped.isStopped {
            while let notification = PQnotifies(handle) {
                let payload = String(cString: notification.pointee.extra)
                PQfreemem(notification)
                onEvent(.notification(payload))
            }
            var socket = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
            guard socket.fd >= 0 else { return }
            let ready = poll(&socket, 1, 200)
            if ready < 0 && errno != EINTR { return }
            guard ready > 0 else { continue }
            guard PQconsumeInput(handle) == 1, PQstatus(handle) == CONNECTION_OK else {
                logger.warning("notification connection lost; reconnecting", metadata: ["error": "\(String(cString: PQerrorMessage(handle)).prefix(200))"])
                return
            }
        }
    }
}

/// Set once, from the cancelling task; read by the listener's thread.
private final class StopFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isStopped: Bool { value.load(ordering: .relaxed) }
    func stop() { value.store(true, ordering: .relaxed) }
}
