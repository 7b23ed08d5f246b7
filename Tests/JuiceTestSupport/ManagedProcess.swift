import Foundation
import Synchronization

/// A real child process (juiced, juice, psql) whose standard output is collected line by line,
/// with bounded waits. It is killed when the test drops it.
public final class ManagedProcess: Sendable {
    private let process: Process
    private let input: Pipe
    private let lines = Locked<[String]>([])
    /// When each line of `lines` was read from the pipe (same index), under the same lock as `lines`' appends.
    private let arrivals = Locked<[ContinuousClock.Instant]>([])
    private let errors = Locked<String>("")

    /// Starts `executable` with `arguments` and extra `environment`.
    public init(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws {
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        input = Pipe()
        let output = Pipe()
        let errorOutput = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errorOutput
        try process.run()
        // Blocking reads on threads of their own: FileHandle.readabilityHandler is unreliable on Linux.
        let partial = Locked<[UInt8]>([])
        Self.drain(output.fileHandleForReading) { [lines, arrivals] chunk in
            let complete: [String] = partial.withLock { buffer in
                buffer += chunk
                var parts = buffer.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
                buffer = Array(parts.removeLast())
                return parts.map { String(decoding: $0, as: UTF8.self) }
            }
            let now = ContinuousClock.now
            lines.withLock { lines in
                arrivals.withLock { $0 += Array(repeating: now, count: complete.count) }
                lines += complete
            }
        }
        Self.drain(errorOutput.fileHandleForReading) { [errors] chunk in errors.withLock { $0 += String(decoding: chunk, as: UTF8.self) } }
    }

    private static func drain(_ handle: FileHandle, _ consume: @escaping @Sendable ([UInt8]) -> Void) {
        let thread = Thread {
            while true {
                let data = handle.availableData
                if data.isEmpty { return }
                consume([UInt8](data))
            }
        }
        thread.start()
    }

    deinit {
        if process.isRunning { process.terminate() }
    }

    /// Writes a line to the process's standard input.
    public func send(_ line: String) {
        input.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    /// Closes standard input (EOF).
    public func closeInput() {
        try? input.fileHandleForWriting.close()
    }

    /// Every complete line printed so far.
    public var output: [String] { lines.withLock { $0 } }

    /// How many complete lines were printed so far.
    public var lineCount: Int { lines.withLock { $0.count } }

    /// The complete lines from index `start` on, each with the moment it was read from the pipe
    /// (for timing events without the 20 ms granularity of a polling wait).
    public func lines(from start: Int) -> [(line: String, at: ContinuousClock.Instant)] {
        lines.withLock { lines in
            arrivals.withLock { times in
                guard start < lines.count else { return [] }
                return (start..<lines.count).map { (lines[$0], times[$0]) }
            }
        }
    }

    /// Everything printed to standard error so far.
    public var errorOutput: String { errors.withLock { $0 } }

    /// Waits (bounded) for a line that satisfies `predicate`; returns it, or nil on timeout.
    public func waitForLine(timeout: Duration = .seconds(20), where predicate: (String) -> Bool) async -> String? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let line = output.first(where: predicate) { return line }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// Waits (bounded) for the process to exit; returns its status, or nil on timeout.
    public func waitForExit(timeout: Duration = .seconds(20)) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if !process.isRunning { return process.terminationStatus }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }

    /// The process ID.
    public var pid: Int32 { process.processIdentifier }

    /// Waits (bounded) until standard error contains `text`.
    public func waitForStderr(_ text: String, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if errorOutput.contains(text) { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return errorOutput.contains(text)
    }

    /// True until the process exits.
    public var isRunning: Bool { process.isRunning }

    /// Sends SIGKILL.
    public func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
    }

    /// Sends SIGINT (Ctrl-C).
    public func interrupt() {
        process.interrupt()
    }

    /// Runs a process to completion with `stdin` as its input; returns status, stdout, stderr.
    public static func run(_ executable: URL, _ arguments: [String], stdin: String = "", environment: [String: String] = [:], timeout: Duration = .seconds(60)) async throws -> (status: Int32, output: String, error: String) {
        let child = try ManagedProcess(executable, arguments, environment: environment)
        child.input.fileHandleForWriting.write(Data(stdin.utf8))
        child.closeInput()
        guard let status = await child.waitForExit(timeout: timeout) else {
            child.kill()
            throw ProcessTimeout(command: executable.lastPathComponent)
        }
        try? await Task.sleep(for: .milliseconds(50)) // let the output handlers drain
        return (status, child.output.joined(separator: "\n"), child.errorOutput)
    }
}

/// A child process did not finish in time.
public struct ProcessTimeout: Error, CustomStringConvertible {
    public let command: String
    public init(command: String) { self.command = command }
    public var description: String { "\(command) did not finish in time" }
}

/// Where the built `juiced` and `juice` are.
public enum Binaries {
    /// The build products directory: `$JUICE_BIN_DIR`, or the directory of the test bundle.
    public static let directory: URL = {
        if let dir = ProcessInfo.processInfo.environment["JUICE_BIN_DIR"] { return URL(fileURLWithPath: dir) }
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        while url.path != "/" && !FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("juiced").path) {
            url.deleteLastPathComponent()
            if url.lastPathComponent.hasSuffix(".xctest") { url.deleteLastPathComponent() }
        }
        return url
    }()

    public static var juiced: URL { directory.appendingPathComponent("juiced") }
    public static var juice: URL { directory.appendingPathComponent("juice") }
}

/// A value behind a lock, shareable by reference (for closures that outlive a scope).
public final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    /// Wraps `value`.
    public init(_ value: Value) { mutex = Mutex(value) }

    /// Runs `body` with exclusive access.
    public func withLock<R: Sendable>(_ body: (inout Value) -> R) -> R { mutex.withLock { body(&$0) } }
}
