import NIOCore
#if canImport(Glibc)
import Glibc
#endif

extension NIOBSDSocket.Option {
    /// `SO_REUSEPORT`, which SwiftNIO does not name: the listener and the sockets that dial or
    /// ask STUN from the listening port all set it, so they may share that port.
    static let soReusePort = NIOBSDSocket.Option(rawValue: SO_REUSEPORT)
}
