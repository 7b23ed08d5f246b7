import CLibPQ
import Glibc

/// Runs a program to completion with `posix_spawn` and `waitpid`: stdin from /dev/null, stdout and
/// stderr to a file, no other descriptor inherited. (Foundation's `Process.waitUntilExit` can miss
/// the exit on Linux when called from a Swift concurrency thread.)
enum ChildProcess {
    /// Returns the exit status (128 + signal number if it was killed).
    static func run(_ argv: [String], outputPath: String) throws(PostgresError) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        // Nothing else: NIO does not mark accepted sockets close-on-exec, and a PostgreSQL server
        // started through pg_ctl would otherwise hold the service's client connections open.
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, cArguments, environ)
        guard spawned == 0 else {
            throw PostgresError(.connection, message: "cannot run \(argv[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw PostgresError(.connection, message: "waitpid failed for \(argv[0])") }
        }
        let exited = status & 0x7F == 0
        return exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }
}
