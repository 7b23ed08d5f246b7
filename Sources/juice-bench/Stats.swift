import Foundation

/// Latency samples in seconds.
struct Samples {
    private(set) var values: [Double] = []

    mutating func add(_ duration: Duration) { values.append(duration.seconds) }

    /// The p-th percentile (0...100), nearest rank.
    func percentile(_ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    var p50: Double { percentile(50) }
    var p99: Double { percentile(99) }
}

/// The median of repeated runs.
func median(_ runs: [Double]) -> Double {
    guard !runs.isEmpty else { return .nan }
    let sorted = runs.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

/// Times `body` once.
func timed(_ body: () async throws -> Void) async rethrows -> Duration {
    let start = ContinuousClock.now
    try await body()
    return ContinuousClock.now - start
}
