import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Rendezvous streams held open on plain blocking sockets: one streamed login each, read up to its
/// first line, then left open.
final class StreamHolders: @unchecked Sendable {
    private var descriptors: [Int32] = []

    static func descriptorLimit() -> UInt64 {
        var limit = rlimit()
        getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        return UInt64(limit.rlim_cur)
    }

    /// Opens one stream for each of `users` (user numbers) on 127.0.0.1:`port`, `batch` at a time.
    func open(port: UInt16, users: [Int], batch: Int = 200) throws {
        for start in stride(from: 0, to: users.count, by: batch) {
            let slice = users[start..<min(start + batch, users.count)]
            var opened: [Int32] = []
            defer { descriptors += opened } // held until closeAll, even after a failure
            try sendLogins(port: port, users: slice, header: "Accept: application/jsonl", into: &opened)
            for (fd, user) in zip(opened, slice) { try readLogin(fd, user: user) }
        }
    }

    /// Logs each of `users` in online with a plain JSON login (a lease, no stream), `batch` at a
    /// time: the presence their held streams give them elsewhere, for a baseline.
    func logInWithoutStreams(port: UInt16, users: [Int], batch: Int = 200) throws {
        for start in stride(from: 0, to: users.count, by: batch) {
            let slice = users[start..<min(start + batch, users.count)]
            var opened: [Int32] = []
            defer { for fd in opened { Glibc.close(fd) } }
            try sendLogins(port: port, users: slice, header: "Connection: close", into: &opened)
            for (fd, user) in zip(opened, slice) {
                let reply = try readToEnd(fd)
                guard reply.hasPrefix("HTTP/1.1 200") else { throw BenchError("login of user\(user): \(reply.prefix(300))") }
            }
        }
    }

    /// Connects once per user and sends each an online login with `header` added; each
    /// descriptor is appended to `opened`, in the order of `users`, as soon as it is open (so a
    /// failure leaves none unaccounted for).
    private func sendLogins(port: UInt16, users: ArraySlice<Int>, header: String, into opened: inout [Int32]) throws {
        for user in users {
            let fd = try connect(port: port)
            opened.append(fd)
            let body = Population.loginBody(String(user))
            let request = "POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\(header)\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
            try writeAll(fd, Array(request.utf8))
        }
    }

    private func readToEnd(_ fd: Int32) throws -> String {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard n >= 0 else { throw BenchError("read: \(String(cString: strerror(errno)))") }
            if n == 0 { return String(decoding: received, as: UTF8.self) }
            received += buffer[0..<n]
        }
    }

    private func connect(port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket: \(String(cString: strerror(errno))) (\(descriptors.count) open)") }
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let message = String(cString: strerror(errno))
            Glibc.close(fd)
            throw BenchError("connect: \(message) (\(descriptors.count) open)")
        }
        return fd
    }

    private func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw BenchError("write: \(String(cString: strerror(errno)))") }
            sent += n
        }
    }

    /// Reads until the reply's headers and its first line (`login`) are in.
    private func readLogin(_ fd: Int32, user: Int) throws {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw BenchError("stream of user\(user) ended before its login line (\(n < 0 ? String(cString: strerror(errno)) : "EOF")): \(String(decoding: received.prefix(300), as: UTF8.self))") }
            received += buffer[0..<n]
            let text = String(decoding: received, as: UTF8.self)
            guard let headersEnd = text.range(of: "\r\n\r\n") else { continue }
            guard text.hasPrefix("HTTP/1.1 200") else { throw BenchError("streamed login of user\(user): \(text.prefix(300))") }
            let body = text[headersEnd.upperBound...]
            if body.contains(#""type":"login""#), body.contains("}\n") { return }
        }
    }

    /// How many held streams the server has not closed (a closed one reads EOF, not EAGAIN).
    func countOpen() -> Int {
        var open = 0
        var buffer = [UInt8](repeating: 0, count: 65_536)
        for fd in descriptors {
            // Drain what is queued without blocking; EOF means the server ended the stream.
            var alive = true
            for _ in 0..<64 {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
                if n == 0 { alive = false; break }
                if n < 0 { alive = errno == EAGAIN || errno == EWOULDBLOCK; break }
            }
            if alive { open += 1 }
        }
        return open
    }

    func closeAll() {
        for fd in descriptors { Glibc.close(fd) }
        descriptors = []
    }
}
