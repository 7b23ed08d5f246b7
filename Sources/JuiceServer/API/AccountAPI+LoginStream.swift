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
        let stream = streams.open(
            accountID: started.accountID, peerID: started.lease.peerID,
            firstLine: reply.jsonBytes(stream: rendezvous) + [0x0A], buddies: started.buddies
        )
        return HTTPBody(stream.lines, length: .unknown, iterationBehavior: .single)
    }
}

extension HTTPField.Name {
    /// `X-Accel-Buffering: no` tells nginx not to buffer the stream.
    static let xAccelBuffering = Self("X-Accel-Buffering")!
}
