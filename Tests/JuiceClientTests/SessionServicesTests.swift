import Foundation
@testable import JuiceClient
import JuiceCore
import JuicePeer
import Logging
import ServiceLifecycle
import Testing

/// The session's services as a group, without a server: how the group ends.
@Suite struct SessionServicesTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("juice-services-\(UInt32.random(in: 0...UInt32.max))")

    /// A session's services with `lines` as standard input; events go to `output`.
    func services(_ lines: AsyncStream<String>, output: LineWriter) throws -> [ServiceGroupConfiguration.ServiceConfiguration] {
        let printer = EventPrinter(json: true, output: output)
        let network = try PeerNetwork(username: try Username("alice"), presence: PeerPresence(capabilities: .none), stateDirectory: directory) { printer.emit(.peer($0)) }
        let service = JuiceService(address: try ServerAddress(url: URL(string: "http://127.0.0.1:9")!, realm: .default))
        let context = SessionContext(service: service, network: network, printer: printer)
        return [
            .init(service: PeerNetworkService(network: network)),
            .init(service: CommandReader(context: context, lines: lines), successTerminationBehavior: .gracefullyShutdownGroup),
        ]
    }

    func group(_ services: [ServiceGroupConfiguration.ServiceConfiguration]) -> ServiceGroup {
        ServiceGroup(configuration: ServiceGroupConfiguration(services: services, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })))
    }

    /// `/quit` ends the reader, which shuts the whole group down; lines after it are not run.
    @Test(.timeLimit(.minutes(1))) func quitShutsTheGroupDownAndRunsNothingAfter() async throws {
        let pipe = Pipe()
        let writer = LineWriter(pipe.fileHandleForWriting)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (lines, input) = AsyncStream.makeStream(of: String.self)
        let services = try services(lines, output: writer)
        input.yield("/help")
        input.yield("/quit")
        input.yield("/help") // never run; the stream stays open, as a terminal's does
        try await group(services).run()
        let output = try await LineWriterTests.readAll(pipe, after: writer)
        #expect(output.split(separator: "\n").filter { $0.contains(#""event":"info""#) }.count == 1, "\(output)")
    }

    /// A graceful shutdown (what SIGINT and SIGTERM trigger) ends a reader waiting on open input
    /// and the network, promptly.
    @Test(.timeLimit(.minutes(1))) func gracefulShutdownEndsAReaderWaitingForInput() async throws {
        let (lines, input) = AsyncStream.makeStream(of: String.self)
        defer { input.finish(); try? FileManager.default.removeItem(at: directory) }
        let services = try services(lines, output: LineWriter(FileHandle.nullDevice))
        let group = group(services)
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(100))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(ContinuousClock.now - started < .seconds(30)) // waiting for input would never end; the bound is loose for loaded machines
    }
}
