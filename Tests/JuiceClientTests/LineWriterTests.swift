import Foundation
import JuiceClient
import Testing

@Suite struct LineWriterTests {
    /// A pipe nobody reads fills after 64 KiB; writing far more must still return at once, and
    /// once a reader comes, every line arrives, in order.
    @Test(.timeLimit(.minutes(1))) func aBlockedReaderNeitherBlocksTheCallerNorReordersLines() async throws {
        let pipe = Pipe()
        let writer = LineWriter(pipe.fileHandleForWriting)
        let lines = (0..<4000).map { "line \($0) " + String(repeating: "x", count: 100) }

        let started = ContinuousClock.now
        for line in lines { writer.write(line) }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < .seconds(5), "writing blocked for \(elapsed)") // a blocking write would never return

        let read = try await Self.readAll(pipe, after: writer)
        #expect(read == lines.map { $0 + "\n" }.joined())
    }

    /// Events from many tasks at once come out whole, one per line, each task's in its order.
    @Test(.timeLimit(.minutes(1))) func eventsFromConcurrentEmittersStayWholeAndOrdered() async throws {
        let pipe = Pipe()
        let printer = EventPrinter(json: false, output: LineWriter(pipe.fileHandleForWriting))
        await withTaskGroup(of: Void.self) { group in
            for emitter in 0..<8 {
                group.addTask { for n in 0..<200 { printer.emit(.info("\(emitter) \(n)")) } }
            }
        }
        let lines = try await Self.readAll(pipe, after: printer.output).split(separator: "\n")
        #expect(lines.count == 8 * 200)
        for emitter in 0..<8 {
            let own = lines.filter { $0.hasPrefix("* \(emitter) ") }.map(String.init)
            #expect(own == (0..<200).map { "* \(emitter) \($0)" })
        }
    }

    /// Everything `writer` wrote to `pipe`: read on a thread of its own (a blocking read must not
    /// hold a thread of the cooperative pool), until the writer has flushed and the pipe is closed.
    static func readAll(_ pipe: Pipe, after writer: LineWriter) async throws -> String {
        async let data: Data = withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: pipe.fileHandleForReading.readDataToEndOfFile()) }.start()
        }
        await withCheckedContinuation { continuation in
            Thread { writer.flush(); continuation.resume() }.start()
        }
        try pipe.fileHandleForWriting.close()
        return String(decoding: await data, as: UTF8.self)
    }
}
