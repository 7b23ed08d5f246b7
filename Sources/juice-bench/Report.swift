import Foundation

/// One measured figure with its target.
struct Figure: Codable {
    let name: String
    let value: Double
    let unit: String
    var target: String?
    var met: Bool?
    var note: String?
}

/// One benchmark's figures, how they were measured, and the exact command.
struct Section: Codable {
    let title: String
    var figures: [Figure] = []
    var method: String
    /// For a section measured by a later `--only` run than the rest of the file: its command and date.
    var measured: String?

    /// The section's number ("5", "6a"), which names it across runs.
    var number: Substring { title.prefix { $0 != "." } }
}

/// Everything one run measured; rendered as BENCHMARKS.md and JSON.
final class Report: @unchecked Sendable {
    var sections: [Section] = []
    let quick: Bool
    let command: String
    let runs: Int
    /// When this run measured only some sections and merged them into an earlier file: that
    /// file's "Measured by" line, kept as the header.
    var earlierHeader: String?

    init(quick: Bool, command: String, runs: Int) {
        self.quick = quick
        self.command = command
        self.runs = runs
    }

    /// Adds a section; sections stay in the order of their numbers, whatever order they ran in.
    func add(_ section: Section) {
        var section = section
        if earlierHeader != nil { section.measured = "`\(command)` on \(ISO8601DateFormatter().string(from: Date()))" }
        sections.removeAll { $0.number == section.number }
        sections.append(section)
        sections.sort { $0.title.compare($1.title, options: .numeric) == .orderedAscending }
        let line = section.figures.map { "\($0.name) = \(String(format: "%.4g", $0.value)) \($0.unit)\($0.met.map { $0 ? " ✓" : " ✗" } ?? "")" }.joined(separator: "; ")
        FileHandle.standardError.write(Data("  \(section.title): \(line)\n".utf8))
    }

    /// The CPU, memory and OS, read once per run.
    lazy var machine: String = {
        let cpu = ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "").split(separator: "\n")
            .first { $0.hasPrefix("model name") }.map { String($0.split(separator: ":").last ?? "").trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
        let memory = ((try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? "").split(separator: "\n").first.map(String.init) ?? ""
        return "\(ProcessInfo.processInfo.activeProcessorCount) cores (\(cpu)); \(memory.replacingOccurrences(of: "  ", with: " ")); \(ProcessInfo.processInfo.operatingSystemVersionString)"
    }()

    /// With `--only`: takes the sections of an earlier run's files that this run does not measure,
    /// and that run's header line, so the files stay whole.
    func merge(earlierJSON: Data, earlierMarkdown: String) throws {
        struct Earlier: Decodable { let sections: [Section] }
        let earlier = try JSONDecoder().decode(Earlier.self, from: earlierJSON)
        earlierHeader = earlierMarkdown.split(separator: "\n").first { $0.hasPrefix("Measured by ") }.map(String.init)
            ?? "Measured by earlier runs, release build."
        sections = (earlier.sections + sections).sorted { $0.title.compare($1.title, options: .numeric) == .orderedAscending }
    }

    func markdown() -> String {
        let header = earlierHeader.map { $0 + "\nSections that say so were measured later, alone, with `Ops/bench --only NAME`." }
            ?? "Measured by `\(command)` on \(ISO8601DateFormatter().string(from: Date())), release build\(quick ? ", **quick mode (tiny sizes; figures are not meaningful)**" : "")."
        var out = """
        # Benchmarks

        \(header)
        Machine: \(machine).

        Every latency is a percentile over all samples of the run (for the login, wrk's percentiles of
        each run, median of runs); every rate is the median of \(runs) runs.
        A baseline named in a section is measured in the same run, so its ratio holds on a noisy machine.
        ✓ and ✗ mark targets met and missed.

        """
        for section in sections {
            out += "\n## \(section.title)\n\n"
            if let measured = section.measured { out += "Measured alone by \(measured).\n\n" }
            out += "| figure | value | target |\n|---|---|---|\n"
            for f in section.figures {
                let value = f.unit == "ms" ? String(format: "%.3f", f.value) : (f.value >= 100 ? String(format: "%.0f", f.value) : String(format: "%.3g", f.value))
                out += "| \(f.name) | \(value) \(f.unit) | \(f.target ?? "")\(f.met.map { $0 ? " ✓" : " ✗" } ?? "") |\n"
            }
            out += "\n\(section.method)\n"
        }
        return out
    }

    func json() throws -> Data {
        struct Document: Encodable { let quick: Bool; let command: String; let machine: String; let runs: Int; let sections: [Section] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(Document(quick: quick, command: command, machine: machine, runs: runs, sections: sections))
    }
}
