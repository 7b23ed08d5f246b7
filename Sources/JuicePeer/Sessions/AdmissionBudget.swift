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
    /// Sources that authenticated a buddy, remembered for ``vouchedFor`` (at most ``maxVouched``).
    static let vouchedFor: Duration = .seconds(3600), maxVouched = 1024

    let perSource: Rate
    let overall: Rate
    private var sources: [String: Bucket] = [:]
    private var all: Bucket
    private var vouched: [String: Instant] = [:]
    private var lastForget: Instant

    init(perSource: Rate, overall: Rate, now: Instant) {
        self.perSource = perSource
        self.overall = overall
        all = Bucket(tokens: overall.burst, refilled: now)
        lastForget = now
    }

    /// Spends one handshake for `source`: from its own bucket, and from the overall one unless
    /// the source is known (it authenticated a buddy lately, or `known` says it is a buddy's
    /// address). False, with nothing spent, when a bucket is empty.
    mutating func take(_ source: String, known: Bool = false, now: Instant) -> Bool {
        let overallToo = !known && !isVouched(source, now: now)
        if sources[source] == nil, sources.count >= Self.maxSources, now - lastForget >= .seconds(1) {
            forgetIdle(now: now) // at most once a second: a full table of busy sources stays full
        }
        if sources[source] == nil, sources.count < Self.maxSources {
            sources[source] = Bucket(tokens: perSource.burst, refilled: now)
        }
        if overallToo, !all.take(overall, now: now) { return false }
        if var bucket = sources[source] {
            let took = bucket.take(perSource, now: now)
            sources[source] = bucket
            if !took {
                if overallToo { all.give(overall) }
                return false
            }
        }
        return true
    }

    /// Gives back what a handshake from `source` spent: it authenticated a buddy. The source is
    /// then known for an hour: its handshakes no longer draw on the overall bucket.
    mutating func refund(_ source: String, now: Instant) {
        let rate = perSource
        sources[source]?.give(rate)
        if !isVouched(source, now: now) { all.give(overall) }
        if vouched[source] == nil, vouched.count >= Self.maxVouched, let oldest = vouched.min(by: { $0.value < $1.value })?.key {
            vouched[oldest] = nil
        }
        vouched[source] = now
    }

    func isVouched(_ source: String, now: Instant) -> Bool {
        guard let since = vouched[source] else { return false }
        return now - since < Self.vouchedFor
    }

    /// Drops the sources whose bucket has refilled: they are as if never seen.
    mutating func forgetIdle(now: Instant) {
        lastForget = now
        sources = sources.filter { _, bucket in
            var bucket = bucket
            bucket.refill(perSource, now: now)
            return bucket.tokens < perSource.burst
        }
    }

    /// Sources remembered now.
    var rememberedSources: Int { sources.count }
}
