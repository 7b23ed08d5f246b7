import NIOCore

/// A response to a request: the decoded message and its bytes (for MESSAGE-INTEGRITY checks).
struct StunResponse: Sendable {
    var message: StunMessage
    var bytes: [UInt8]
}

/// The client end of a STUN/TURN connection: matches responses to pending requests by
/// transaction ID and hands indications to `onIndication`. A malformed message or a closed
/// connection fails every pending request and closes the channel.
final class StunClientHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = [UInt8]

    private var pending: [[UInt8]: EventLoopPromise<StunResponse>] = [:]
    private let onIndication: @Sendable (StunMessage) -> Void
    private var closed = false

    init(onIndication: @escaping @Sendable (StunMessage) -> Void = { _ in }) {
        self.onIndication = onIndication
    }

    /// Registers the promise of a request (on the event loop); it is failed at once if the
    /// connection is already closed.
    func register(_ transactionID: [UInt8], _ promise: EventLoopPromise<StunResponse>) {
        guard !closed else { return promise.fail(StunError.connectionClosed) }
        pending[transactionID] = promise
    }

    /// Forgets a request (timed out or answered).
    func forget(_ transactionID: [UInt8]) {
        pending[transactionID] = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        let message: StunMessage
        do {
            message = try StunMessage(decoding: bytes)
        } catch {
            return fail(context: context, error)
        }
        switch message.messageClass {
        case .successResponse, .errorResponse:
            pending.removeValue(forKey: message.transactionID)?.succeed(StunResponse(message: message, bytes: bytes))
        case .indication:
            onIndication(message)
        case .request:
            break // a client answers no requests
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        failAll(StunError.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context: context, error)
    }

    private func fail(context: ChannelHandlerContext, _ error: any Error) {
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: any Error) {
        closed = true
        let promises = pending.values
        pending = [:]
        for promise in promises { promise.fail(error) }
    }
}
