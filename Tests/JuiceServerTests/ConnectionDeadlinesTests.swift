@testable import JuiceServer
import Testing

/// The deadline state machine alone: which timeout runs in each phase of a connection, with a
/// header timeout of 1 s, a body timeout of 2 s and an idle timeout of 3 s.
@Suite struct ConnectionDeadlinesTests {
    /// What the connection sees.
    enum Event: Sendable { case opened, read, head, end, response }

    /// A named sequence of events, each with the timer action it must produce, and the phase after the last.
    struct Scenario: Sendable, CustomTestStringConvertible {
        let name: String
        let steps: [(Event, ConnectionDeadlines.Timer)]
        let phase: ConnectionDeadlines.Phase
        var testDescription: String { name }
    }

    static let scenarios = [
        Scenario(name: "a head in two reads, then its end", steps: [
            (.opened, .arm(.seconds(3))), (.read, .arm(.seconds(1))), (.read, .keep), // the header deadline runs from the first byte
            (.head, .arm(.seconds(2))), (.read, .keep), (.end, .disarm), (.read, .keep), (.response, .arm(.seconds(3))),
        ], phase: .idle),
        Scenario(name: "a whole request in one read", steps: [
            (.opened, .arm(.seconds(3))), (.head, .arm(.seconds(2))), (.end, .disarm), (.read, .keep), (.response, .arm(.seconds(3))),
        ], phase: .idle),
        Scenario(name: "bytes of a pipelined request while responding", steps: [
            (.head, .arm(.seconds(2))), (.end, .disarm), (.read, .keep), (.read, .keep), (.response, .arm(.seconds(1))),
        ], phase: .readingHead),
        Scenario(name: "a response (413) before the body", steps: [
            (.read, .arm(.seconds(1))), (.head, .arm(.seconds(2))), (.response, .keep), (.end, .arm(.seconds(3))),
        ], phase: .idle),
        Scenario(name: "two pipelined requests", steps: [
            (.head, .arm(.seconds(2))), (.end, .disarm), (.head, .arm(.seconds(2))), (.end, .disarm),
            (.response, .keep), (.response, .arm(.seconds(3))),
        ], phase: .idle),
    ]

    @Test(arguments: scenarios)
    func eachPhaseHasItsDeadline(_ scenario: Scenario) {
        var limits = ConnectionLimits()
        limits.headerTimeout = .seconds(1)
        limits.bodyTimeout = .seconds(2)
        limits.idleTimeout = .seconds(3)
        var deadlines = ConnectionDeadlines(limits: limits)
        for (index, (event, expected)) in scenario.steps.enumerated() {
            let action = switch event {
            case .opened: deadlines.opened()
            case .read: deadlines.readCompleted()
            case .head: deadlines.headRead()
            case .end: deadlines.requestRead()
            case .response: deadlines.responseWritten()
            }
            #expect(action == expected, "step \(index + 1), \(event)")
        }
        #expect(deadlines.phase == scenario.phase)
    }
}
