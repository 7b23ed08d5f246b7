import Foundation

/// A self-signed certificate and its key, made by openssl.
public enum TestCertificate {
    /// A certificate for `ip` and its key in `directory` (`cert.pem`, `key.pem`).
    public static func selfSigned(in directory: URL, ip: String = "127.0.0.1") async throws -> (certificate: String, key: String) {
        let cert = directory.appendingPathComponent("cert.pem").path, key = directory.appendingPathComponent("key.pem").path
        let openssl = try await ManagedProcess.run(URL(fileURLWithPath: "/usr/bin/openssl"), [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
            "-subj", "/CN=\(ip)", "-addext", "subjectAltName=IP:\(ip)", "-keyout", key, "-out", cert,
        ])
        guard openssl.status == 0 else { throw NetLabError("openssl failed: \(openssl.error)") }
        return (cert, key)
    }
}
