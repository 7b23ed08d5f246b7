import Foundation
import Sodium

/// Reads passwords: from standard input for scripts (`--password-stdin`, one per line), or
/// from the terminal with echo switched off.
public struct PasswordReader: Sendable {
    /// Read lines from standard input instead of prompting.
    public let fromStandardInput: Bool

    /// Creates a reader.
    public init(fromStandardInput: Bool) { self.fromStandardInput = fromStandardInput }

    /// Reads one password; `prompt` is shown only on a terminal.
    public func read(prompt: String) throws -> SecretBytes {
        var line: [UInt8]
        if fromStandardInput {
            line = try Self.readLine(from: STDIN_FILENO)
        } else {
            let tty = open("/dev/tty", O_RDWR)
            guard tty >= 0 else { throw PasswordError("no terminal to ask for a password; use --password-stdin") }
            defer { close(tty) }
            _ = prompt.withCString { write(tty, $0, strlen($0)) }
            var saved = termios()
            tcgetattr(tty, &saved)
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(tty, TCSAFLUSH, &silent)
            defer {
                tcsetattr(tty, TCSAFLUSH, &saved)
                _ = write(tty, "\n", 1)
            }
            line = try Self.readLine(from: tty)
        }
        defer { ConstantTime.wipe(&line) }
        guard !line.isEmpty else { throw PasswordError("the password is empty") }
        guard line.count <= 1024 else { throw PasswordError("the password is longer than 1024 bytes") }
        return SecretBytes(line)
    }

    /// Reads bytes up to a newline, one at a time so nothing after it is consumed.
    private static func readLine(from fd: Int32) throws -> [UInt8] {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let n = Foundation.read(fd, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                if line.isEmpty { throw PasswordError("no password on standard input") }
                break
            }
            if byte == UInt8(ascii: "\n") { break }
            line.append(byte)
            guard line.count <= 4096 else { throw PasswordError("the password line is too long") }
        }
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        return line
    }
}

/// A password could not be read; one line for a person.
public struct PasswordError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
