import CPwquality
import JuiceCore
import Sodium
import Synchronization

/// The rule for new passwords, checked on the client before Argon2id runs: at least
/// ``minimumLength`` characters (NIST SP 800-63B), and accepted by libpwquality, which refuses
/// dictionary words and their variants (cracklib's dictionary), passwords built from the
/// username, and simplistic ones. The system's `/etc/security/pwquality.conf` may make it stricter.
public enum PasswordQuality {
    /// NIST SP 800-63B's minimum for a password the user chose.
    public static let minimumLength = 8

    /// cracklib keeps one process-wide dictionary handle and refuses a second open ("another
    /// dictionary already open"), so concurrent checks would fail each other: one at a time.
    private static let dictionary = Mutex(())

    /// Throws a one-line reason when `password` is too weak for `username`.
    public static func check(_ password: SecretBytes, username: Username) throws(PasswordError) {
        // One NUL-terminated copy, made at its final size (no reallocation leaves an unwiped
        // copy behind), wiped when done.
        var bytes = [UInt8]()
        bytes.reserveCapacity(password.count + 1)
        password.withUnsafeBytes { bytes.append(contentsOf: $0) }
        bytes.append(0)
        defer { ConstantTime.wipe(&bytes) }
        guard !bytes.dropLast().contains(0) else { throw PasswordError("the password contains a NUL byte") }
        // Characters as Unicode code points: every byte but UTF-8 continuation bytes starts one.
        guard bytes.dropLast().count(where: { $0 & 0xC0 != 0x80 }) >= minimumLength else {
            throw PasswordError("the password is shorter than \(minimumLength) characters")
        }
        guard let settings = pwquality_default_settings() else { throw PasswordError("cannot check the password's quality (out of memory)") }
        defer { pwquality_free_settings(settings) }
        _ = pwquality_read_config(settings, nil, nil) // a missing system file leaves the defaults
        var aux: UnsafeMutableRawPointer?
        let score = dictionary.withLock { _ in
            bytes.withUnsafeBufferPointer { password in
                password.withMemoryRebound(to: CChar.self) { password in
                    pwquality_check(settings, password.baseAddress, nil, username.value, &aux)
                }
            }
        }
        guard score < 0 else { return }
        var reason = [CChar](repeating: 0, count: 256)
        let text = reason.withUnsafeMutableBufferPointer { buffer in
            pwquality_strerror(buffer.baseAddress, buffer.count, score, aux).map { String(cString: $0) }
        } ?? "it is too weak"
        throw PasswordError("choose another password: \(text.prefix(1).lowercased() + text.dropFirst())")
    }
}
