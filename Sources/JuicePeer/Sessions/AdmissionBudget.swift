/// Token buckets for starting handshakes: one per source address and one for all sources, spent
/// when an M1 arrives and before any public-key work, and given back when the handshake
/// authenticates a buddy: only what fails (a stranger's junk, a replay) costs budget. A stranger
/// who floods from one address empties only that address's bucket; the overall ceiling bounds
/// the work many addresses can cause. Idle sources are forgotten, and at most ``maxSources``
/// are remembered.
public struct AdmissionBudget: Sendable {
    public typealias Instant = ContinuousClock.Instant

    /// A refill rate and a burst.
    public struct Rate: Sendable, Equatable {
        public var perSecond: Double
        public var burst: Double

        public init(perSecond: Double, burst: Double) {
            self.perSecond = perSecond
            self.burst = burst
        }
    }

    struct Bucket {
        var tokens: Double
        var refilled: Instant

        /// Takes a token if one is there, after refilling for the time since the last take.
        mutating func take(_ rate: Rate, now: Instant) -> Bool {
            refill(rate, now: now)
            guard tokens >= 1 else { return false }
            tokens -= 1
            return true
        }

        mutating func give(_ rate: Rate) { tokens = min(rate.burst, tokens + 1) }

        mutating func refill(_ rate: Rate, now: Instant) {
            let since = (now - refilled).components
            let elapsed = Double(since.seconds) + Double(since.attoseconds) / 1e18
            tokens = min(rate.burst, tokens + max(0, elapsed) * rate.perSecond)
            refilled = max(refilled, now)
        }
    }

    /// Sources remembered at most; beyond that a new source shares the overall bucket only.
    static let maxSources = 4096

    let perSource: Rate
    let overall: Rate
    private var sources: [String: Bucket] = [:]
    private var all: Bucket

    init(perSource: Rate, overall: Rate, now: Instant) {
        self.perSource = perSource
        self.overall = overall
        all = Bucket(tokens: overall.burst, refilled: now)
    }

    /// Spends one handshake for `source`; false when its bucket or the overall one is empty.
    mutating func take(_ source: String, now: Instant) -> Bool {
        if sources[source] == nil, sources.count >= Self.maxSources { forgetIdle(now: now) }
        if sources[source] == nil, sources.count < Self.maxSources {
            sources[source] = Bucket(tokens: perSource.burst, refilled: now)
        }
        if var bucket = sources[source] {
            let took = bucket.take(perSource, now: now)
            sources[source] = bucket
            guard took else { return false }
        }
        return all.take(overall, now: now)
    }

    /// Gives back what a handshake from `source` spent: it authenticated a buddy.
    mutating func refund(_ source: String, now: Instant) {
        let rate = perSource
        sources[source]?.give(rate)
        all.give(overall)
    }

    /// Drops the sources whose bucket has refilled: they are as if never seen.
    mutating func forgetIdle(now: Instant) {
        sources = sources.filter { _, bucket in
            var bucket = bucket
            bucket.refill(perSource, now: now)
            return bucket.tokens < perSource.burst
        }
    }

    /// Sources remembered now.
    var rememberedSources: Int { sources.count }
}
