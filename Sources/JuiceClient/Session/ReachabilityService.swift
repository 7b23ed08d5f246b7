import ServiceLifecycle

/// ``Reachability`` as a service: keeps the NAT mapping and the relay allocation alive and
/// takes relayed connections until graceful shutdown, then gives the relay back.
struct ReachabilityService: Service {
    let reachability: Reachability

    func run() async {
        await cancelWhenGracefulShutdown { await reachability.run() }
        await reachability.close()
    }
}
