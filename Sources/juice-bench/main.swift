import AsyncHTTPClient
import Foundation

/// `juice-bench`: runs every benchmark in one go and writes BENCHMARKS.md and a JSON file.
/// Needs the PG* variables for a PostgreSQL server it may create databases on (Ops/bench sets
/// them) and the built `juiced` and `juice` beside it.
let arguments = CommandLine.arguments
let quick = arguments.contains("--quick")
func value(_ flag: String) -> String? { arguments.firstIndex(of: flag).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil } }
let markdownPath = value("--markdown") ?? "BENCHMARKS.md"
let jsonPath = value("--json") ?? "benchmarks.json"
let binaries = URL(fileURLWithPath: arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()

var configuration = HTTPClient.Configuration()
configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
let context = BenchContext(quick: quick, binaries: binaries, runs: quick ? 1 : 3, http: http)
let report = Report(quick: quick, command: value("--command") ?? "Ops/bench\(quick ? " --quick" : "")", runs: context.runs)
let only = value("--only")

let benchmarks: [(String, () async throws -> Void)] = [
    ("calls", { try await ServerCallsBench.run(context, report: report) }),
    ("handshake", { try HandshakeBench.run(context, report: report) }),
    ("chat", { try await ChatBench.run(context, report: report) }),
    ("presence", { try await PresenceBench.run(context, report: report) }),
    ("login", { try await LoginBench.run(context, report: report) }),
    ("client", { try await ClientMemoryBench.run(context, report: report) }),
    ("paths", { try await PathsBench.run(context, report: report) }),
    ("relay", { try await RelayBench.run(context, report: report) }),
    ("streams", { try await StreamsBench.run(context, report: report) }),
    ("history", { try await HistoryBench.run(context, report: report) }),
    ("mailbox", { try await MailboxBench.run(context, report: report) }),
]
if let only, !benchmarks.contains(where: { $0.0 == only }) {
    FileHandle.standardError.write(Data("error: no benchmark \(only) (one of: \(benchmarks.map(\.0).joined(separator: " ")))\n".utf8))
    exit(2)
}
// One benchmark alone goes into the existing files in place of its earlier figures.
if only != nil, let earlier = FileManager.default.contents(atPath: jsonPath) {
    do {
        try report.merge(earlierJSON: earlier, earlierMarkdown: (try? String(contentsOfFile: markdownPath, encoding: .utf8)) ?? "")
    } catch {
        FileHandle.standardError.write(Data("warning: \(jsonPath) unreadable (\(error)); writing this benchmark alone\n".utf8))
    }
}
var failed: [String] = []
for (name, run) in benchmarks where only == nil || only == name {
    FileHandle.standardError.write(Data("==> benchmark: \(name)\n".utf8))
    do {
        try await run()
    } catch {
        failed.append(name)
        FileHandle.standardError.write(Data("error: benchmark \(name) failed: \(error)\n".utf8))
    }
}
try? await http.shutdown()
try report.markdown().write(toFile: markdownPath, atomically: true, encoding: .utf8)
try report.json().write(to: URL(fileURLWithPath: jsonPath))
FileHandle.standardError.write(Data("wrote \(markdownPath) and \(jsonPath)\n".utf8))
if !failed.isEmpty {
    FileHandle.standardError.write(Data("error: \(failed.count) benchmark(s) did not run: \(failed.joined(separator: ", "))\n".utf8))
    exit(1)
}
