import Foundation
import Glibc
import JuiceCore

/// An exclusive lock on a user's state directory (`flock` on its `.lock` file), held by a
/// `juice login` for its whole run and by the commands that rewrite the files there, so that two
/// processes of one user on one machine never overwrite each other's history, prekey secrets or
/// pins. The lock goes with the process: a crash releases it.
public final class StateDirectoryLock: Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    /// Takes the lock of `directory` (made, 0700, if missing), waiting at most `wait` while
    /// another process holds it, then throws.
    public static func acquire(_ directory: URL, for username: Username, wait: Duration = .zero) throws(InvalidValue) -> StateDirectoryLock {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw InvalidValue("cannot create the state directory \(directory.path)")
        }
        let path = directory.appendingPathComponent(".lock").path
        let descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw InvalidValue("cannot open \(path): \(String(cString: strerror(errno)))") }
        let deadline = ContinuousClock.now + wait
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard ContinuousClock.now < deadline else {
                Glibc.close(descriptor)
                throw InvalidValue("another juice login of \(username) is running on this machine (it holds \(path)); end it first")
            }
            usleep(100_000)
        }
        return StateDirectoryLock(descriptor: descriptor)
    }

    deinit { Glibc.close(descriptor) }
}
