/// Which deadline applies to an HTTP/1.1 connection, as a pure state machine: the events a
/// connection sees go in, and out comes the timeout to arm (measured from now), if any.
///
/// A connection is idle (``ConnectionLimits/idleTimeout``) until a request's first byte
/// arrives, then reads the head (``ConnectionLimits/headerTimeout`` from that byte), then the
/// body (``ConnectionLimits/bodyTimeout`` from the complete head). While the server works on
/// the request and writes its response, no deadline runs; the response's end makes it idle again.
struct ConnectionDeadlines {
    /// What the connection is doing.
    enum Phase: Equatable {
        case idle, readingHead, readingBody, responding
    }

    /// What the handler does with the timer.
    enum Timer: Equatable {
        /// Cancel any timer and close the connection after this long.
        case arm(Duration)
        /// Cancel any timer.
        case disarm
        /// Leave the timer as it is.
        case keep
    }

    let limits: ConnectionLimits
    private(set) var phase = Phase.idle
    private var responsesOwed = 0
    private var bytesWhileResponding = false
    private var completedPartsInRead = false

    /// A deadline machine for a connection that has just been accepted.
    init(limits: ConnectionLimits) { self.limits = limits }

    /// The connection was accepted.
    func opened() -> Timer { .arm(limits.idleTimeout) }

    /// A read from the socket finished. Bytes that completed no head or request end start the
    /// header deadline of a request that has not begun, or mark a pipelined request that will
    /// get its header deadline once the current response is written.
    mutating func readCompleted() -> Timer {
        defer { completedPartsInRead = false }
        guard !completedPartsInRead else { return .keep }
        switch phase {
        case .idle:
            phase = .readingHead
            return .arm(limits.headerTimeout)
        case .responding:
            bytesWhileResponding = true
            return .keep
        case .readingHead, .readingBody:
            return .keep
        }
    }

    /// A request head was complete.
    mutating func headRead() -> Timer {
        completedPartsInRead = true
        phase = .readingBody
        responsesOwed += 1
        return .arm(limits.bodyTimeout)
    }

    /// A request body was complete.
    mutating func requestRead() -> Timer {
        completedPartsInRead = true
        guard responsesOwed > 0 else {
            phase = .idle // answered before its body was read (413, for one)
            return .arm(limits.idleTimeout)
        }
        phase = .responding
        return .disarm
    }

    /// A response was written to its end.
    mutating func responseWritten() -> Timer {
        responsesOwed = max(0, responsesOwed - 1)
        guard phase == .responding, responsesOwed == 0 else { return .keep }
        phase = bytesWhileResponding ? .readingHead : .idle
        bytesWhileResponding = false
        return .arm(phase == .idle ? limits.idleTimeout : limits.headerTimeout)
    }
}
