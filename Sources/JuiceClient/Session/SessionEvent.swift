import Foundation
import JuiceCore
import JuicePeer

/// Everything a session reports, one per line: JSON objects with `--json`, else short text.
public enum SessionEvent: Sendable {
    case ready(username: String, peerID: Int64, endpoint: String, leaseSeconds: Int)
    /// A buddy list entry, with the path of the live session with them (nil: none).
    case buddy(BuddyEntry, path: SessionPath? = nil)
    case renewed(leaseSeconds: Int)
    case info(String)
    case error(String)
    case loggedOut(username: String)
    case peer(PeerEvent)
    case sent(to: Username, id: MessageID)
    case safetyNumber(BuddyTrust.Report)
    /// A message that waited on the server while we were offline (docs/protocol.md 5.5).
    case waitingMessage(from: Username, id: MessageID, text: String, sentAt: Date, forwardSecret: Bool)
    /// A message for a buddy who is offline was left on the server until `expiresAt`.
    /// `forwardSecret` is false when the server had no prekey of theirs to give (docs/protocol.md 5.6).
    case queued(to: Username, id: MessageID, expiresAt: Date, forwardSecret: Bool)
    /// What became of a message left on the server: delivered (stored by the buddy) or expired.
    case receipt(MailboxReceipt)
    /// One message from the local history (`/history`).
    case history(HistoryEntry)

    /// The JSON object for `--json`.
    var json: [String: JSONValue] {
        switch self {
        case let .ready(username, peerID, endpoint, lease):
            ["event": "ready", "username": .string(username), "peerId": .int(peerID), "endpoint": .string(endpoint), "leaseSeconds": .int(Int64(lease))]
        case let .buddy(b, path):
            [
                "event": "buddy", "username": .string(b.username), "relation": .string(b.relation.rawValue),
                "peerId": .int(b.peerID.rawValue), "endpoint": b.endpoint.map(JSONValue.string) ?? .null,
                "path": path.map { .string($0.rawValue) } ?? .null,
                "status": .string(b.status.rawValue), "camera": .bool(b.capabilities.camera), "mic": .bool(b.capabilities.mic),
                "publicKey": b.publicKey.map { .string(Data($0).base64EncodedString()) } ?? .null,
            ]
        case let .renewed(lease): ["event": "renewed", "leaseSeconds": .int(Int64(lease))]
        case let .info(text): ["event": "info", "message": .string(text)]
        case let .error(text): ["event": "error", "message": .string(text)]
        case let .loggedOut(username): ["event": "logged-out", "username": .string(username)]
        case let .sent(to, id): ["event": "sent", "to": .string(to.value), "id": .string(id.description)]
        case let .safetyNumber(report):
            [
                "event": "safety-number", "username": .string(report.buddy.value), "safetyNumber": .string(report.safetyNumber),
                "changed": .bool(report.changed), "newSafetyNumber": report.candidateSafetyNumber.map(JSONValue.string) ?? .null,
            ]
        case .history(let entry):
            [
                "event": "history", "id": .string(entry.id), "buddy": .string(entry.buddy), "direction": .string(entry.direction.rawValue),
                "time": .string(HistoryTime.format(entry.time)), "text": .string(entry.text), "state": .string(entry.state.rawValue),
                "waiting": .bool(entry.waiting), "forwardSecret": entry.forwardSecret.map(JSONValue.bool) ?? .null,
            ]
        case .peer(let event): event.json
        case let .waitingMessage(from, id, text, sentAt, forwardSecret):
            [
                "event": "message", "from": .string(from.value), "id": .string(id.description), "text": .string(text),
                "sentAt": .string(HistoryTime.format(sentAt)), "waiting": .bool(true), "forwardSecret": .bool(forwardSecret),
            ]
        case let .queued(to, id, expiresAt, forwardSecret):
            [
                "event": "queued", "to": .string(to.value), "id": .string(id.description), "expiresAt": .string(HistoryTime.format(expiresAt)),
                "forwardSecret": .bool(forwardSecret),
            ]
        case let .receipt(receipt):
            ["event": .string(receipt.state.rawValue), "to": .string(receipt.to), "id": .string(MessageID(bytes: receipt.id).description), "waiting": .bool(true)]
        }
    }

    /// The line for people, with hints that fit where they are (`hints`). Whatever came from
    /// others is made harmless (``TerminalText``): a message's line breaks become indented
    /// continuation lines, other control characters show as escapes.
    func text(_ hints: Hints) -> String { TerminalText.visible(plainText(hints)) }

    private func plainText(_ hints: Hints) -> String {
        switch self {
        case let .ready(username, peerID, endpoint, lease):
            "* online as \(username), peer ID \(peerID), listening on \(endpoint) (lease \(lease) s)"
        case let .buddy(b, path):
            switch b.relation {
            case .accepted:
                b.peerID.isOnline
                    ? "* buddy \(b.username): \(b.status.rawValue), peer \(b.peerID.rawValue) at \(b.endpoint ?? "?"), \(path.map { "\($0.rawValue) session" } ?? "no session")"
                    : "* buddy \(b.username): offline"
            case .incoming: "* \(b.username) wants to be your buddy: \(hints.accept(b.username))"
            case .outgoing: "* waiting for \(b.username) to accept your request"
            }
        case let .renewed(lease): "* presence renewed for \(lease) s"
        case let .info(text): "* \(text)"
        case let .error(text): "! \(text)"
        case let .loggedOut(username): "* \(username) logged out"
        case let .sent(to, _): "-> \(to): sent"
        case let .safetyNumber(report):
            "* safety number with \(report.buddy): \(report.safetyNumber)" + (report.candidateSafetyNumber.map {
                " — but the server now states a NEW KEY for \(report.buddy), whose number is \($0); if \(report.buddy) reads you that number, run: \(hints.acceptKey(report.buddy.value, $0))"
            } ?? "")
        case .history(let entry): entry.unescapedLine(timeZone: .current)
        case .peer(let event): event.text(hints)
        case let .waitingMessage(from, _, text, sentAt, forwardSecret):
            "<\(from)> \(text)  (left \(HistoryTime.local(sentAt))\(forwardSecret ? "" : ", not forward secret: the server had no prekey"))"
        case let .queued(to, _, expiresAt, forwardSecret):
            "-> \(to): \(to) is offline; left on the server, delivered when \(to) logs in (until \(HistoryTime.local(expiresAt)))"
                + (forwardSecret ? "" : "; not forward secret: the server had no prekey of \(to)'s to give")
        case let .receipt(receipt):
            switch receipt.state {
            case .delivered: "-> \(receipt.to): delivered (left while \(receipt.to) was offline)"
            case .expired: "! \(receipt.to) did not log in before your waiting message expired; it was deleted unread"
            }
        }
    }
}

extension PeerEvent {
    var json: [String: JSONValue] {
        switch self {
        case let .online(name, peerID, endpoint, path, presence):
            presence.json.merging([
                "event": "online", "username": .string(name.value), "peerId": .int(peerID.rawValue),
                "endpoint": endpoint.map(JSONValue.string) ?? .null, "path": .string(path.rawValue),
            ]) { _, event in event }
        case let .offline(name, reason): ["event": "offline", "username": .string(name.value), "reason": .string(reason)]
        case let .presence(name, presence):
            presence.json.merging(["event": "status", "username": .string(name.value)]) { _, event in event }
        case let .message(from, id, text): ["event": "message", "from": .string(from.value), "id": .string(id.description), "text": .string(text)]
        case let .delivered(to, id): ["event": "delivered", "to": .string(to.value), "id": .string(id.description)]
        case let .keyChanged(name, number):
            ["event": "key-changed", "username": .string(name.value), "safetyNumber": .string(number)]
        case .error(let message): ["event": "error", "message": .string(message)]
        }
    }

    func text(_ hints: Hints) -> String {
        switch self {
        case let .online(name, _, _, path, presence): "* \(name) is \(presence.text) (\(path.rawValue))"
        case let .presence(name, presence): "* \(name) is \(presence.text)"
        case let .offline(name, reason): "* \(name) is offline (\(reason))"
        case let .message(from, _, text): "<\(from)> \(text)"
        case let .delivered(to, _): "-> \(to): delivered"
        case let .keyChanged(name, number):
            "! WARNING: \(name)'s key changed. Not connecting until you compare safety numbers (\(number)) and run: \(hints.acceptKey(name.value, number))"
        case .error(let message): "! \(message)"
        }
    }
}

extension PeerPresence {
    /// Status, status text and flags, as the `online` and `status` events carry them.
    fileprivate var json: [String: JSONValue] {
        [
            "status": .string(status.rawValue), "statusText": .string(statusText),
            "camera": .bool(capabilities.camera), "mic": .bool(capabilities.mic),
        ]
    }

    /// E.g. `away (lunch) — camera on, mic off`.
    fileprivate var text: String {
        "\(status.rawValue)\(statusText.isEmpty ? "" : " (\(statusText))") — camera \(capabilities.camera ? "on" : "off"), mic \(capabilities.mic ? "on" : "off")"
    }
}

/// A JSON value, for printing events with stable key order.
enum JSONValue: Sendable, Encodable, ExpressibleByStringLiteral {
    case string(String), int(Int64), bool(Bool), null

    init(stringLiteral value: String) { self = .string(value) }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let v): try container.encode(v)
        case .int(let v): try container.encode(v)
        case .bool(let v): try container.encode(v)
        case .null: try container.encodeNil()
        }
    }
}

/// How a hint names a command: as typed inside `juice login`, or in a shell.
public enum Hints: Sendable {
    /// Inside a session: `/accept bob`.
    case session
    /// In a shell, acting as `user`: `juice buddy accept bob --user alice`.
    case shell(user: Username)

    func accept(_ name: String) -> String {
        switch self {
        case .session: "/accept \(name)"
        case .shell(let user): "juice buddy accept \(name) --user \(user)"
        }
    }

    func acceptKey(_ name: String, _ number: String) -> String {
        switch self {
        case .session: "/verify \(name) accept \(number)"
        case .shell(let user): "juice verify \(name) --user \(user) --accept '\(number)'"
        }
    }
}

/// Prints events one per line through a ``LineWriter`` (standard output unless told), so that
/// emitting never waits on the terminal.
public struct EventPrinter: Sendable {
    /// Print JSON objects instead of text.
    public let json: Bool
    /// Where the user types the commands that hints name.
    public let hints: Hints
    /// Where the lines go.
    public let output: LineWriter

    /// Creates a printer.
    public init(json: Bool, hints: Hints = .session, output: LineWriter = .standardOutput) {
        self.json = json
        self.hints = hints
        self.output = output
    }

    /// Prints one event.
    public func emit(_ event: SessionEvent) {
        let line: String
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            line = (try? encoder.encode(event.json)).map { String(decoding: $0, as: UTF8.self) } ?? #"{"event":"error"}"#
        } else {
            line = event.text(hints)
        }
        output.write(line)
    }
}
