import ServiceLifecycle

/// Reads the lines typed into the session (standard input, read on a thread of its own) and has
/// ``SessionContext`` carry them out, one at a time. Returns at EOF or `/quit`, which the
/// session takes as the signal to shut down; stops reading on graceful shutdown.
struct CommandReader: Service {
    let context: SessionContext
    let lines: AsyncStream<String>

    func run() async {
        for await line in lines.cancelOnGracefulShutdown() {
            let command = SessionCommand(line: line)
            if command == .quit { return }
            await context.run(command)
        }
    }
}
