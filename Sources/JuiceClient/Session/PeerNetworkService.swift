import JuicePeer
import ServiceLifecycle

/// The peer network as a service: processes link events until graceful shutdown (or
/// cancellation), then says goodbye to every buddy and stops.
struct PeerNetworkService: Service {
    let network: PeerNetwork

    func run() async {
        async let events: Void = network.run()
        do {
            try await gracefulShutdown()
        } catch {
            // Cancelled rather than shut down gracefully: stop all the same.
        }
        await network.shutdown()
        await events
    }
}
