import CSodium

/// Entry point to libsodium: makes sure `sodium_init` ran exactly once before any primitive is used.
public enum Sodium {
    private static let initialised: Bool = sodium_init() >= 0

    /// Initialises libsodium if needed. Every wrapper calls this before touching the C library.
    @inline(__always)
    static func ensureInitialised() throws(SodiumError) {
        guard initialised else { throw .initialisationFailed }
    }

    /// The libsodium version string, e.g. `1.0.18`.
    public static var version: String { String(cString: sodium_version_string()) }
}
