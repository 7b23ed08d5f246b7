@testable import JuiceServer
import Testing

/// The deadline state machine alone: which timeout runs in each phase of a connection.
@Suite struct ConnectionDeadlinesTests {
    static let limits: ConnectionLimits = {
        var limits = ConnectionLimits()
        limits.headerTimeout = .seconds(1)
        limits.bodyTimeout = .seconds(2)
        limits.idleTimeout = .seconds(3)
        return limits
    }()

    @Test func aRequestGoesFromIdleThroughHeadAndBodyToIdle() {
        var deadlines = ConnectionDeadlines(limits: Self.limits)
        #expect(deadlines.opened() == .arm(.seconds(3)))
        #expect(deadlines.readCompleted() == .arm(.seconds(1))) // part of a head
        #expect(deadlines.readCompleted() == .keep) // more of it: the deadline runs from the first byte
        #expect(deadlines.headRead() == .arm(.seconds(2)))
        #expect(deadlines.readCompleted() == .keep)
        #expect(deadlines.requestRead() == .disarm)
        #expect(deadlines.readCompleted() == .keep) // the read that ended the request
        #expect(deadlines.responseWritten() == .arm(.seconds(3)))
        #expect(deadlines.phase == .idle)
    }

    @Test func aWholeRequestInOneReadIsAnsweredThenIdle() {
        var deadlines = ConnectionDeadlines(limits: Self.limits)
        _ = deadlines.opened()
        #expect(deadlines.headRead() == .arm(.seconds(2)))
        #expect(deadlines.requestRead() == .disarm)
        #expect(deadlines.readCompleted() == .keep)
        #expect(deadlines.responseWritten() == .arm(.seconds(3)))
        #expect(deadlines.phase == .idle)
    }

    @Test func bytesOfAPipelinedRequestGetTheHeaderDeadlineAfterTheResponse() {
        var deadlines = ConnectionDeadlines(limits: Self.limits)
        _ = deadlines.headRead()
        _ = deadlines.requestRead()
        _ = deadlines.readCompleted()
        #expect(deadlines.readCompleted() == .keep) // a later read: part of the next head
        #expect(deadlines.responseWritten() == .arm(.seconds(1)))
        #expect(deadlines.phase == .readingHead)
    }

    @Test func aResponseBeforeTheBodyKeepsTheBodyDeadlineThenGoesIdle() {
        var deadlines = ConnectionDeadlines(limits: Self.limits)
        _ = deadlines.readCompleted()
        #expect(deadlines.headRead() == .arm(.seconds(2)))
        #expect(deadlines.responseWritten() == .keep) // a 413 before the body: the body must still arrive in time
        #expect(deadlines.requestRead() == .arm(.seconds(3)))
        #expect(deadlines.phase == .idle)
    }

    @Test func pipelinedRequestsGoIdleOnlyAfterTheLastResponse() {
        var deadlines = ConnectionDeadlines(limits: Self.limits)
        _ = deadlines.readCompleted()
        _ = deadlines.headRead()
        _ = deadlines.requestRead()
        #expect(deadlines.headRead() == .arm(.seconds(2)))
        #expect(deadlines.requestRead() == .disarm)
        #expect(deadlines.responseWritten() == .keep)
        #expect(deadlines.responseWritten() == .arm(.seconds(3)))
    }
}
