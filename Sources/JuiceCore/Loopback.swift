/// Loopback hosts: the only ones the API may be reached over plain HTTP without an override.
public enum Loopback {
    /// `localhost`, 127.0.0.0/8 and ::1 (bracketed or not).
    public static func contains(host: String) -> Bool {
        var host = Substring(host.lowercased())
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        if host == "localhost" || host == "::1" || host == "0:0:0:0:0:0:0:1" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        // Dotted decimal only, as inet_aton reads it without surprises: 1 to 3 digits, no sign, no
        // leading zero (`08` is not a number there, so the name would go to DNS).
        return octets.count == 4 && octets[0] == "127" && octets.allSatisfy { octet in
            (1...3).contains(octet.count) && octet.allSatisfy { ("0"..."9").contains($0) } && (octet.count == 1 || octet.first != "0") && UInt8(octet) != nil
        }
    }
}
