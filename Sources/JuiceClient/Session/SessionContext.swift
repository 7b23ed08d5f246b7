import Foundation
import JuiceCore
import JuicePeer

/// Runs the lines typed into a session: chat goes to the peer network, account changes to the
/// server (and then the refreshed buddy list to the network).
actor SessionContext {
    let service: JuiceService
    let network: PeerNetwork
    let printer: EventPrinter
    /// The local history, when the session keeps one.
    let history: HistoryLog?
    /// Leaves messages for buddies who are offline (docs/protocol.md 5).
    let mailbox: MailboxCourier?
    private var current: Username?
    private var presence: PeerPresence?

    init(service: JuiceService, network: PeerNetwork, printer: EventPrinter, history: HistoryLog? = nil, mailbox: MailboxCourier? = nil) {
        self.service = service
        self.network = network
        self.printer = printer
        self.history = history
        self.mailbox = mailbox
    }

    /// Carries out one command; a failure is reported as an `error` event and the session goes on.
    func run(_ command: SessionCommand) async {
        do {
            try await perform(command)
        } catch {
            printer.emit(.error("\(error)"))
        }
    }

    private func perform(_ command: SessionCommand) async throws {
        switch command {
        case .empty, .quit: break
        case .invalid(let reason): printer.emit(.error(reason))
        case .help:
            printer.emit(.info("commands: /msg NAME text, /to NAME, /buddies, /add NAME, /accept NAME, /remove NAME, /status online|away|busy [text], /caps camera=on|off mic=on|off, /verify NAME [accept SAFETY-NUMBER], /history NAME [N], /quit"))
        case let .message(name, text):
            try await say(text, to: try Username(name))
        case .select(let name):
            current = try Username(name)
            printer.emit(.info("talking to \(name)"))
        case .say(let text):
            guard let current else { throw InvalidValue("choose a buddy first: /to NAME, or /msg NAME text") }
            try await say(text, to: current)
        case .buddies:
            try await refreshBuddies(print: true)
        case .add(let name):
            printer.emit(.buddy(try await service.requestBuddy(try Username(name))))
            try await refreshBuddies(print: false)
        case .accept(let name):
            printer.emit(.buddy(try await service.acceptBuddy(try Username(name))))
            try await refreshBuddies(print: false)
        case .remove(let name):
            try await service.removeBuddy(try Username(name))
            printer.emit(.info("\(name) removed"))
            try await refreshBuddies(print: false)
        case let .status(status, text):
            let lease = try await service.renew(PresenceChange(status: status, statusText: try StatusText.validate(text)))
            try await publish { $0.status = status; $0.statusText = text }
            printer.emit(.renewed(leaseSeconds: lease.seconds))
        case let .capabilities(camera, mic):
            let lease = try await service.renew(PresenceChange(camera: camera, mic: mic))
            try await publish {
                if let camera { $0.capabilities.camera = camera }
                if let mic { $0.capabilities.mic = mic }
            }
            printer.emit(.renewed(leaseSeconds: lease.seconds))
        case let .verify(name, accept):
            let buddy = try Username(name)
            if let accept {
                printer.emit(.safetyNumber(try await network.acceptKey(buddy, compared: accept)))
            } else {
                printer.emit(.safetyNumber(try await network.verify(buddy)))
            }
        case let .history(name, last):
            let buddy = try Username(name)
            guard let history else { throw InvalidValue("this session keeps no history") }
            let entries = try await history.recent(buddy: buddy.value, last: last)
            if entries.isEmpty { printer.emit(.info("no history with \(buddy)")) }
            for entry in entries { printer.emit(.history(entry)) }
        }
    }

    /// Sends over the session with `buddy`, or, when they are offline, leaves it on the server.
    private func say(_ text: String, to buddy: Username) async throws {
        if let mailbox, case .offline(let key) = await network.route(to: buddy) {
            return try await mailbox.leave(text, for: buddy, publicKey: key)
        }
        let id = try await network.send(text: text, to: buddy)
        history?.recordSent(text, to: buddy, id: id)
        printer.emit(.sent(to: buddy, id: id))
    }

    private func publish(_ change: (inout PeerPresence) -> Void) async throws {
        var next = await network.currentPresence
        change(&next)
        try await network.publish(next)
    }

    private func refreshBuddies(print: Bool) async throws {
        let list = try await service.buddies()
        if print {
            let paths = await network.paths(of: list.compactMap { try? Username($0.username) })
            for entry in list { printer.emit(.buddy(entry, path: (try? Username(entry.username)).flatMap { paths[$0] })) }
        }
        await network.update(buddies: list.compactMap { PeerNetwork.Buddy($0, allowLoopback: service.isLoopback) })
    }
}
