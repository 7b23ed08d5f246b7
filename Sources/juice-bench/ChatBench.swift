import Foundation
import JuicePeer
import Sodium

/// Figure 5: chat over one real session on loopback, against secretstream push + pull in a loop.
enum ChatBench {
    static func run(_ context: BenchContext, report: Report) async throws {
        let small = context.quick ? 2_000 : 100_000
        let large = context.quick ? 50 : 2_000
        let pings = context.quick ? 100 : 2_000
        var smallRates: [Double] = [], largeRates: [Double] = [], smallBase: [Double] = [], largeBase: [Double] = []
        var latencies = Samples()
        for _ in 0..<context.runs {
            let pair = try await PeerPair.start()
            smallRates.append(Double(small) / (try await burst(pair, count: small, size: 100)).seconds)
            largeRates.append(Double(large * 65_536) / 1e6 / (try await burst(pair, count: large, size: 65_536)).seconds)
            let text = String(repeating: "x", count: 1024)
            for _ in 0..<pings {
                let target = pair.messagesAtBob.current + 1
                let start = ContinuousClock.now
                _ = try await pair.alice.send(text: text, to: pair.bobName)
                await pair.messagesAtBob.wait(for: target)
                latencies.add(ContinuousClock.now - start)
            }
            await pair.stop()
            smallBase.append(Double(small) / (try baseline(count: small, size: 100)).seconds)
            largeBase.append(Double(large * 65_536) / 1e6 / (try baseline(count: large, size: 65_536)).seconds)
        }
        let smallRate = median(smallRates), largeRate = median(largeRates), largeBaseline = median(largeBase)
        report.add(Section(title: "5. Chat over one session", figures: [
            Figure(name: "100-byte messages", value: smallRate, unit: "msg/s", target: "≥ 100,000 msg/s", met: smallRate >= 100_000),
            Figure(name: "baseline: secretstream push + pull, 100 bytes", value: median(smallBase), unit: "msg/s"),
            Figure(name: "64 KiB messages", value: largeRate, unit: "MB/s"),
            Figure(name: "baseline: secretstream push + pull, 64 KiB", value: largeBaseline, unit: "MB/s"),
            Figure(name: "64 KiB ratio to baseline", value: largeRate / largeBaseline * 100, unit: "%", target: "≥ 50 %", met: largeRate / largeBaseline >= 0.5),
            Figure(name: "1 KiB latency p50", value: latencies.p50 * 1000, unit: "ms"),
            Figure(name: "1 KiB latency p99", value: latencies.p99 * 1000, unit: "ms", target: "≤ 1 ms", met: latencies.p99 <= 0.001),
        ], method: """
            Two `PeerNetwork`s in one process with a real TCP session on 127.0.0.1. Rates: \(small) \
            messages of 100 bytes, then \(large) of 64 KiB, sent back to back; the clock stops when the \
            receiver has reported the last one (receipts flow back meanwhile, and all are back before \
            the next measurement starts). Latency: \(pings) messages \
            of 1 KiB one at a time, from the send call to the receiver's message event.
            """))
    }

    private static func burst(_ pair: PeerPair, count: Int, size: Int) async throws -> Duration {
        let text = String(repeating: "a", count: size)
        let target = pair.messagesAtBob.current + count
        let start = ContinuousClock.now
        for _ in 0..<count { _ = try await pair.alice.send(text: text, to: pair.bobName) }
        await pair.messagesAtBob.wait(for: target)
        let elapsed = ContinuousClock.now - start
        // Quiet before the next measurement: every receipt of this burst is back.
        await pair.receiptsAtAlice.wait(for: target)
        return elapsed
    }

    private static func baseline(count: Int, size: Int) throws -> Duration {
        let key = SecretBytes([UInt8](repeating: 9, count: 32))
        var push = try SecretStream.Push(key: key)
        var pull = try SecretStream.Pull(key: key, header: push.header)
        let message = [UInt8](repeating: 97, count: size + 17)
        let start = ContinuousClock.now
        for _ in 0..<count { _ = try pull.pull(try push.push(message)) }
        return ContinuousClock.now - start
    }
}
