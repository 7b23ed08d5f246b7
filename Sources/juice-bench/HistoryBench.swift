import Foundation
import Glibc
import JuiceClient
import Sodium

/// Figure 11: what recording a message in the local history costs the chat path (the append
/// call) and the disk (a durable record), against a plain `write` + `fdatasync` of the same
/// bytes to a file in the same directory.
enum HistoryBench {
    static func run(_ context: BenchContext, report: Report) async throws {
        let calls = context.quick ? 200 : 5000, durable = context.quick ? 20 : 300
        let directory = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("juice-bench-history-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = RandomBytes.secret(SecretBox.keyLength)
        let text = String(repeating: "m", count: 100)
        var appendMedians: [Double] = [], appendP99s: [Double] = [], durableMedians: [Double] = [], baselineMedians: [Double] = [], burstRates: [Double] = []
        var recordBytes = 0
        for run in 0..<context.runs {
            let file = directory.appendingPathComponent("history-\(run)")
            let log = try HistoryLog.open(file: file, key: key) { FileHandle.standardError.write(Data("warning: \($0)\n".utf8)) }
            func entry(_ n: Int) -> HistoryEntry {
                HistoryEntry(id: String(format: "%032x", n), buddy: "bob", direction: .received, time: Date(), text: text, state: .received, forwardSecret: true)
            }
            // The chat path: one append per message, back to back; the writer works meanwhile.
            var callTimes = Samples()
            let burstStart = ContinuousClock.now
            for n in 0..<calls {
                let e = entry(n)
                let start = ContinuousClock.now
                log.append(e)
                callTimes.add(ContinuousClock.now - start)
            }
            guard await log.flush() else { throw BenchError("history writes failed") }
            burstRates.append(Double(calls) / (ContinuousClock.now - burstStart).seconds)
            appendMedians.append(callTimes.p50)
            appendP99s.append(callTimes.p99)

            // One message at a time, each until it is on disk: a record's write and fdatasync.
            let before = try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int ?? 0
            var records = Samples()
            for n in calls..<(calls + durable) {
                let e = entry(n)
                let start = ContinuousClock.now
                log.append(e)
                guard await log.flush() else { throw BenchError("history writes failed") }
                records.add(ContinuousClock.now - start)
            }
            log.close()
            let after = try FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int ?? 0
            recordBytes = (after - before) / durable
            durableMedians.append(records.p50)
            baselineMedians.append(try baseline(directory.appendingPathComponent("baseline-\(run)"), bytes: recordBytes, count: durable).p50)
        }
        let append = median(appendMedians), record = median(durableMedians), plain = median(baselineMedians)
        report.add(Section(title: "11. History append cost per message", figures: [
            Figure(name: "append call (the chat path's cost) p50", value: append * 1e6, unit: "µs"),
            Figure(name: "append call p99", value: median(appendP99s) * 1e6, unit: "µs"),
            Figure(name: "durable record (append until synced) p50", value: record * 1000, unit: "ms"),
            Figure(name: "baseline: plain write + fdatasync of the same \(recordBytes) bytes p50", value: plain * 1000, unit: "ms"),
            Figure(name: "durable record / baseline", value: record / plain * 100, unit: "%"),
            Figure(name: "burst: \(calls) appends until all synced", value: median(burstRates), unit: "records/s"),
        ], method: """
            \(context.runs) runs; each opens a new history file in \(NSTemporaryDirectory()) and \
            records \(calls) received 100-byte messages back to back, timing each `append` call (it only hands the \
            record to the log's writer thread); then \(durable) messages one at a time, each `append` followed by \
            `flush` (sealed, written, `fdatasync`ed: \(recordBytes) bytes a record). The baseline writes the same \
            number of bytes \(durable) times with `write(2)` + `fdatasync` to a file in the same directory. \
            Medians of the runs' medians. The burst figure shows records that queue up during a write sharing \
            one `fdatasync`. The machine is shared and noisy; sync times vary with its other disk traffic.
            """))
    }

    /// `count` times: `bytes` bytes with one `write` and one `fdatasync`.
    private static func baseline(_ file: URL, bytes: Int, count: Int) throws -> Samples {
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        let fd = open(file.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw BenchError("cannot create \(file.path)") }
        defer { close(fd) }
        let record = RandomBytes.bytes(bytes)
        var samples = Samples()
        for _ in 0..<count {
            let start = ContinuousClock.now
            guard record.withUnsafeBytes({ write(fd, $0.baseAddress, $0.count) }) == bytes, fdatasync(fd) == 0 else {
                throw BenchError("baseline write failed")
            }
            samples.add(ContinuousClock.now - start)
        }
        return samples
    }
}
