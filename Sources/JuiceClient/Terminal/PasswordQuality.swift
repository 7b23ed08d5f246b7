import CPwquality
import JuiceCore
import Sodium

/// The rule for new passwords, checked on the client before Argon2id runs: at least
/// ``minimumLength`` characters (NIST SP 800-63B), and accepted by libpwquality, which refuses
/// dictionary words and their variants (cracklib's dictionary), passwords built from the
/// username, and simplistic ones. The system's `/etc/security/pwquality.conf` may make it stricter.
public enum PasswordQuality {
    /// NIST SP 800-63B's minimum for a password the user chose.
    public static let minimumLength = 8

    /// Throws a one-line reason when `password` is too weak for `username`.
    public static func check(_ password: SecretBytes, username: Username) throws(PasswordError) {
        var bytes = password.copiedBytes
        defer { ConstantTime.wipe(&bytes) }
        guard !bytes.contains(0) else { throw PasswordError("the password contains a NUL byte") }
        guard String(decoding: bytes, as: UTF8.self).count >= minimumLength else {
            throw PasswordError("the password is shorter than \(minimumLength) characters")
        }
        guard let settings = pwquality_default_settings() else { throw PasswordError("cannot check the password's quality (out of memory)") }
        defer { pwquality_free_settings(settings) }
        _ = pwquality_read_config(settings, nil, nil) // a missing system file leaves the defaults
        bytes.append(0)
        var aux: UnsafeMutableRawPointer?
        let score = bytes.withUnsafeBufferPointer { password in
            password.withMemoryRebound(to: CChar.self) { password in
                pwquality_check(settings, password.baseAddress, nil, username.value, &aux)
            }
        }
        guard score < 0 else { return }
        var reason = [CChar](repeating: 0, count: 256)
        let text = pwquality_strerror(&reason, reason.count, score, aux).map { String(cString: $0) } ?? "it is too weak"
        throw PasswordError("choose another password: \(text.prefix(1).lowercased() + text.dropFirst())")
    }
}
