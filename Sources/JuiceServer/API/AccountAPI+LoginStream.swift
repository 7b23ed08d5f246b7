import HTTPTypes
import JuiceAPI
import OpenAPIRuntime

extension AccountAPI {
    /// An online login answered with the rendezvous stream: the login reply as the first line
    /// (with `type` `login`), then `introduction`, `departure` and `keepalive` lines for as long
    /// as the client keeps the response open (docs/reachability.md 2.1–2.2).
    func loginStream(_ body: Components.Schemas.LoginRequest) async throws -> HTTPBody {
        guard body.online ?? true else { throw AccountError.invalid("a rendezvous stream needs an online login") }
        let (reply, started) = try await startSession(body, streamInstance: streams.instanceID)
        streams.open(
            accountID: started.accountID, peerID: started.lease.peerID,
            firstLine: reply.jsonBytes(stream: rendezvous) + [0x0A], buddies: started.buddies,
            receiptsTold: started.mailbox?.receipts.map(\.seq).max() ?? 0
        )
        return .heldStream
    }
}

extension AccountAPI {
    /// A broken stream, resumed with the session's token: the same peer ID, a `resumed` first
    /// line with a fresh snapshot, and no event to the buddies (docs/reachability.md 2.5).
    func resumeStream(_ input: Operations.ResumeStream.Input) async throws -> Operations.ResumeStream.Output {
        let tokenHash = try presentedTokenHash()
        guard let resumed = try await store.resumeStream(tokenHash: tokenHash, instanceID: streams.instanceID, leaseSeconds: settings.leaseSeconds) else {
            throw AccountError.unauthenticated
        }
        streams.open(
            accountID: resumed.accountID, peerID: resumed.lease.peerID,
            firstLine: RendezvousLine.resumed(lease: .init(resumed.lease), buddies: resumed.buddies.map(Components.Schemas.Buddy.init)),
            buddies: resumed.buddies
        )
        return .ok(.init(body: .applicationJsonl(.heldStream)))
    }
}

extension HTTPBody {
    /// The body of a stream's response as the handler returns it: empty, because the stream's
    /// lines are not written through it. ``StreamHoldMiddleware`` hands the connection to the
    /// stream the handler opened (``OpenedStream``), which writes them.
    static var heldStream: HTTPBody { HTTPBody() }
}

extension HTTPField.Name {
    /// `X-Accel-Buffering: no` tells nginx not to buffer the stream.
    static let xAccelBuffering = Self("X-Accel-Buffering")!
}
