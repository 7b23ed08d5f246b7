import ArgumentParser
import Foundation
import JuiceClient
import JuiceCore
import JuicePeer

/// `juice login NAME`: go online and stay in an interactive session.
struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Go online and chat; EOF, /quit, Ctrl-C or SIGTERM logs out.",
        discussion: "Commands: /msg NAME text, /to NAME, plain text to the current buddy, /buddies, /add NAME, /accept NAME, /remove NAME, /status online|away|busy [text], /caps camera=on|off mic=on|off, /verify NAME [accept SAFETY-NUMBER], /history NAME [N] (the last N messages with NAME from the local history, default 20), /quit. The login's reply stays open as the rendezvous stream, so no renewals are sent; a broken stream is resumed with the same peer ID; a session the server no longer knows logs in again, and if that fails (or a newer login of the same user replaced this one) the session ends with an error and exit status 1. Buddies are reached directly, through both NATs (punched) or through the service's TURN relay; /buddies shows which. A message to a buddy who is offline is left on the server, sealed end to end (forward secret when the server still holds one of their prekeys), and arrives with their next login; messages left for you arrive with this login, and each is kept in your encrypted local history."
    )

    @Argument(help: "Your username.")
    var name: String

    @Option(name: .long, help: "HOST:PORT to accept buddies' connections on (port 0 picks one). Default: 127.0.0.1:0 with a server on this machine, else 0.0.0.0:0 (every interface; buddies get their addresses, and the public mapping and relay when the server has one).")
    var listen: String?

    @Option(name: .long, help: "HOST:PORT buddies should dial, if not the listening address.")
    var advertise: String?

    @Flag(inversion: .prefixedNo, help: "Announce a camera (default: detected from /dev/video*).")
    var camera: Bool?

    @Flag(inversion: .prefixedNo, help: "Announce a microphone (default: detected from ALSA capture devices).")
    var mic: Bool?

    @Option(name: .long, help: "Seconds between keepalives; a buddy silent for three of them is offline.")
    var keepalive = 5

    @OptionGroup var options: ClientOptions

    func validate() throws {
        _ = try parseUsername(name)
        guard (1...300).contains(keepalive) else { throw ValidationError("--keepalive must be 1 to 300 seconds") }
        do {
            if let listen { _ = try Endpoint(listen, allowingPortZero: true) }
            if let advertise { _ = try Endpoint(advertise) }
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// The flags given, with the machine's devices standing in for any not given.
    private var capabilities: Capabilities {
        if let camera, let mic { return Capabilities(camera: camera, mic: mic) }
        let detected = CapabilityDetector.detect()
        return Capabilities(camera: camera ?? detected.camera, mic: mic ?? detected.mic)
    }

    func run() async throws {
        let username = try parseUsername(name)
        let advertised = try advertise.map { try Endpoint($0) }
        let service = try options.makeService()
        // Buddies on other machines can only reach a listener on a real interface.
        let listenAt = try Endpoint(listen ?? (service.isLoopback ? "127.0.0.1:0" : "0.0.0.0:0"), allowingPortZero: true)
        let keys = try options.keys(for: username, service: service)
        let printer = EventPrinter(json: options.json)
        // One session per user and machine: a second would overwrite the first's local files
        // (and, on the server, replace its login).
        let lock = try StateDirectoryLock.acquire(service.stateDirectory(for: username), for: username)
        defer { withExtendedLifetime(lock) {} }
        let historyFile = service.historyFile(for: username)
        let historyExisted = FileManager.default.fileExists(atPath: historyFile.path)
        let history = openHistory(historyFile, keys: keys, printer: printer)
        defer { history?.close() } // what the session recorded is on disk before the process exits
        let session = OnlineSession(
            service: service, username: username, keys: keys,
            options: .init(
                listenHost: listenAt.host, listenPort: listenAt.port, advertise: advertised,
                capabilities: capabilities,
                keepalive: KeepaliveSettings(interval: .seconds(keepalive), timeout: .seconds(3 * keepalive))
            ),
            printer: printer, history: history
        )
        do {
            try await session.run()
        } catch let error as ServiceError where error.status == 401 && !historyExisted {
            // A history made for this login under a password the server refused would never open again.
            history?.close()
            _ = try? HistoryFile.delete(file: historyFile)
            throw error
        }
    }
}

/// The user's history log, or nil (and an error event: the chat goes on without it) when it
/// cannot be opened.
func openHistory(_ file: URL, keys: AccountKeys, printer: EventPrinter) -> HistoryLog? {
    do {
        let key = try LocalKeys(keyEncryptionKey: keys.keyEncryptionKey).history
        return try HistoryLog.open(file: file, key: key) { printer.emit(.error($0)) }
    } catch {
        printer.emit(.error("history: \(error); this session keeps no history (after a password change on another machine: juice passwd --local-only)"))
        return nil
    }
}
