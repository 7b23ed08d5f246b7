import NIOCore
import NIOPosix

/// A STUN Binding over TCP (RFC 8489) from a chosen local port: the server-reflexive address of
/// that port (reachability.md §3.2).
///
/// The connection stays open so that ``refresh()`` can repeat the Binding (every 25 s in Juice):
/// the packets keep the NAT's mapping alive and the answer shows when it changed.
///
/// ```swift
/// let binding = try await StunBinding.open(server: relay, from: StunAddress(host: "0.0.0.0", port: 40123)!)
/// print(binding.mappedAddress)           // 203.0.113.1:40123
/// let now = try await binding.refresh()  // again, later
/// await binding.close()
/// ```
public final class StunBinding: Sendable {
    private let connection: StunConnection
    /// The public mapping the server saw on the first Binding.
    public let mappedAddress: StunAddress

    private init(connection: StunConnection, mappedAddress: StunAddress) {
        self.connection = connection
        self.mappedAddress = mappedAddress
    }

    /// Connects to `server` from `local` (SO_REUSEADDR and SO_REUSEPORT set, so a listener
    /// bound the same way on that port keeps working) and performs a first Binding. `local`
    /// `nil` lets the system choose. Every wait is bounded by `timeout`.
    public static func open(
        server: StunAddress, from local: StunAddress? = nil, timeout: Duration = .seconds(10),
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> StunBinding {
        let connection = try await StunConnection.connect(to: server, from: local, timeout: timeout, group: group)
        do {
            let mapped = try await bind(on: connection)
            return StunBinding(connection: connection, mappedAddress: mapped)
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Sends one more Binding on the open connection and returns the mapping seen now.
    public func refresh() async throws -> StunAddress {
        try await Self.bind(on: connection)
    }

    /// The local address of the connection (the port the mapping belongs to).
    public var localAddress: SocketAddress? { connection.channel.localAddress }

    /// Closes the connection.
    public func close() async {
        await connection.close()
    }

    private static func bind(on connection: StunConnection) async throws -> StunAddress {
        let request = StunMessage(method: .binding, class: .request)
        let response = try await connection.transact(request)
        return try mappedAddress(in: response.message)
    }

    /// The mapped address of a Binding response: XOR-MAPPED-ADDRESS, or MAPPED-ADDRESS from an
    /// old server. Throws for an error response or a response without either.
    public static func mappedAddress(in response: StunMessage) throws(StunError) -> StunAddress {
        try response.requireSuccess()
        if let xor = response.attribute(.xorMappedAddress) {
            return try xor.xorAddress(transactionID: response.transactionID)
        }
        if let plain = response.attribute(.mappedAddress) { return try plain.plainAddress() }
        throw .missingAttribute("XOR-MAPPED-ADDRESS")
    }
}

extension StunMessage {
    /// Throws ``StunError/errorResponse(code:reason:)`` for an error response.
    func requireSuccess() throws(StunError) {
        guard messageClass == .errorResponse else { return }
        guard let attribute = attribute(.errorCode) else { throw .errorResponse(code: 0, reason: "no ERROR-CODE") }
        let (code, reason) = try attribute.errorCode()
        throw .errorResponse(code: code, reason: reason)
    }
}
