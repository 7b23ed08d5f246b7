/// Loopback hosts: the only ones the API may be reached over plain HTTP without an override.
public enum Loopback {
    /// `localhost`, 127.0.0.0/8 and ::1 (bracketed or not).
    public static func contains(host: String) -> Bool {
        var host = Substring(host.lowercased())
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { $0.allSatisfy(\.isASCII) && UInt8($0) != nil }
    }
}
