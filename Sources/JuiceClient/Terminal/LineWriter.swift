import Foundation

/// Lines out, in order, written by a serial queue of their own: a caller (an actor, a task on
/// the cooperative pool) only hands the line over and never waits on a slow terminal or on a
/// pipe nobody reads. ``flush()`` waits until every line written so far is out; the process
/// calls it before it exits.
public final class LineWriter: Sendable {
    /// Standard output: every line `juice` prints goes through this one writer.
    public static let standardOutput = LineWriter(FileHandle.standardOutput)

    private let handle: FileHandle
    private let queue = DispatchQueue(label: "juice-output")

    /// A writer to `handle`.
    public init(_ handle: FileHandle) {
        self.handle = handle
    }

    /// Queues `line` and a newline; returns at once.
    public func write(_ line: String) {
        let data = Data((line + "\n").utf8)
        queue.async { [handle] in
            // A reader that went away cannot be told; what is left has nowhere to go.
            try? handle.write(contentsOf: data)
        }
    }

    /// Waits until every line written before this call is out.
    public func flush() {
        queue.sync {}
    }
}
