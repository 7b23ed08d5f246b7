@testable import JuiceClient
import OpenAPIRuntime
import Synchronization
import Testing

/// The rendezvous stream's lines come out whole and bounded, however the body is chunked.
@Suite struct JSONLineSplitterTests {
    /// A body that sends `chunks` in order, one at a time, as a network would.
    func body(_ chunks: [String]) -> HTTPBody {
        HTTPBody(chunks.map { ArraySlice($0.utf8) }.async, length: .unknown, iterationBehavior: .single)
    }

    /// Every line of `body`, read with `limit`, as strings.
    func lines(_ body: HTTPBody, limit: Int = 100) async throws -> [String] {
        var splitter = JSONLineSplitter(body)
        var lines: [String] = []
        for _ in 0..<1000 {
            guard let line = try await splitter.next(limit: limit) else { return lines }
            lines.append(String(decoding: line, as: UTF8.self))
        }
        Issue.record("more than 1000 lines")
        return lines
    }

    /// A line cut anywhere across chunks, even byte by byte, comes out whole.
    @Test func aLineSplitAcrossChunksComesOutWhole() async throws {
        #expect(try await lines(body([#"{"type":"#, #""keepalive"}"#, "\n"])) == [#"{"type":"keepalive"}"#])
        let bytes = #"{"type":"login"}"# + "\n" + #"{"type":"ended"}"# + "\n"
        #expect(try await lines(body(bytes.map { String($0) })) == [#"{"type":"login"}"#, #"{"type":"ended"}"#])
    }

    /// Several lines in one chunk come out one by one, the last one's end in the next chunk.
    @Test func severalLinesInOneChunkComeOutOneByOne() async throws {
        let read = try await lines(body(["a\nbb\nccc\ndd", "d\n"]))
        #expect(read == ["a", "bb", "ccc", "ddd"])
    }

    /// An empty line is a line (the decoder rejects it, not the splitter).
    @Test func anEmptyLineIsALine() async throws {
        #expect(try await lines(body(["\n", "x\n"])) == ["", "x"])
    }

    /// An empty body, or one without a chunk, ends at once with nil.
    @Test func anEmptyBodyEndsWithNil() async throws {
        #expect(try await lines(body([])) == [])
        #expect(try await lines(body([""])) == [])
        #expect(try await lines(HTTPBody()) == [])
    }

    /// A body that ends in the middle of a line is a broken stream, not a short last line.
    @Test func aBodyEndingMidLineThrows() async throws {
        var splitter = JSONLineSplitter(body(["a\n", #"{"type":"#]))
        #expect(try await splitter.next(limit: 100) == Array("a".utf8)[...])
        await #expect(throws: ServiceError.self) { try await splitter.next(limit: 100) }
    }

    /// A line of exactly the limit passes; one byte more throws, wherever its newline is.
    @Test func aLineOverTheLimitThrows() async throws {
        let exact = String(repeating: "x", count: 100)
        #expect(try await lines(body([exact + "\n"])) == [exact])
        #expect(try await lines(body([exact, "\n"])) == [exact])
        await #expect(throws: ServiceError.self) { try await lines(body([exact + "x\n"])) }
        await #expect(throws: ServiceError.self) { try await lines(body([exact, "x", "\n"])) }
    }

    /// Each line is held to the limit asked for it: a long first line passes a large limit, and
    /// the same length in the next line, already in the buffer, fails a small one.
    @Test func eachLineIsHeldToItsOwnLimit() async throws {
        let long = String(repeating: "y", count: 200)
        var splitter = JSONLineSplitter(body([long + "\n" + long + "\n"]))
        #expect(try await splitter.next(limit: 1000)?.count == 200)
        await #expect(throws: ServiceError.self) { try await splitter.next(limit: 100) }
    }

    /// A server that never sends a newline cannot grow the buffer: the splitter throws once it
    /// holds more than the limit, having read at most one chunk past it.
    @Test func aLineWithoutEndStopsAtTheLimit() async throws {
        let pulled = Counter()
        let endless = EndlessChunks(chunk: ArraySlice(repeating: UInt8(ascii: "z"), count: 10), pulled: pulled)
        var splitter = JSONLineSplitter(HTTPBody(endless, length: .unknown, iterationBehavior: .single))
        await #expect(throws: ServiceError.self) { try await splitter.next(limit: 100) }
        #expect(pulled.value == 11, "the splitter read \(pulled.value) chunks of 10 bytes for a limit of 100")
    }
}

/// A count shared between tasks.
final class Counter: Sendable {
    private let count = Atomic<Int>(0)
    var value: Int { count.load(ordering: .relaxed) }
    /// Adds one; returns the new count.
    func increment() -> Int { count.add(1, ordering: .relaxed).newValue }
}

/// The same chunk for ever, counting how many were taken.
struct EndlessChunks: AsyncSequence, Sendable {
    let chunk: ArraySlice<UInt8>
    let pulled: Counter

    struct Iterator: AsyncIteratorProtocol {
        let chunk: ArraySlice<UInt8>
        let pulled: Counter
        mutating func next() async -> ArraySlice<UInt8>? {
            // Bounded: a splitter that never stops fails here instead of hanging the run.
            guard pulled.increment() <= 100_000 else { return nil }
            return chunk
        }
    }

    func makeAsyncIterator() -> Iterator { Iterator(chunk: chunk, pulled: pulled) }
}

extension Array where Element: Sendable {
    /// The elements as an async sequence.
    var async: AsyncStream<Element> {
        AsyncStream { continuation in
            for element in self { continuation.yield(element) }
            continuation.finish()
        }
    }
}
