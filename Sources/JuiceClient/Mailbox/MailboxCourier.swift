import Foundation
import JuiceCore
import JuicePeer
import Sodium

/// Waiting messages on the client side (docs/protocol.md 5): leaves a message for a buddy who is
/// offline (claim a prekey, seal, leave it), opens what waited for us at login, and follows the
/// receipts. What was received is acknowledged only once it is in the history, and a prekey's
/// secret is erased only then too, so a crash at any point loses nothing and shows nothing twice.
actor MailboxCourier {
    let service: JuiceService
    let printer: EventPrinter
    /// This machine's prekey secrets; nil when the store did not open (nothing is uploaded, and
    /// messages sealed to a prekey are left on the server).
    let prekeys: PrekeyStore?
    let history: HistoryLog?
    /// Our identity key pair, once a login opened it.
    private var identity: BoxKeyPair?
    /// Messages opened at this run but not yet acknowledged (the history may be absent).
    private var shown: Set<String> = []

    init(service: JuiceService, printer: EventPrinter, prekeys: PrekeyStore?, history: HistoryLog?) {
        self.service = service
        self.printer = printer
        self.prekeys = prekeys
        self.history = history
    }

    /// The prekeys to upload with the next login (docs/protocol.md 5.1), with the store's set
    /// (no keys when none are due); nil without a store. A failure to make them only costs
    /// forward secrecy for messages left meanwhile, so it is reported, not thrown.
    func offer() -> PrekeyOffer? {
        guard let prekeys else { return nil }
        do {
            return PrekeyOffer(set: prekeys.setID, keys: try prekeys.prepareUpload(serverLeft: prekeys.serverLeft))
        } catch {
            printer.emit(.error("cannot make new prekeys: \(error)"))
            return PrekeyOffer(set: prekeys.setID, keys: [])
        }
    }

    /// A login went through with `identity`: records how many prekeys the server holds, then
    /// opens what waited and follows the receipts.
    func loggedIn(_ grant: LoginGrant, identity: BoxKeyPair, network: PeerNetwork) async {
        self.identity = identity
        if let left = grant.prekeysLeft, let prekeys {
            do { try prekeys.recordServerLeft(left) } catch { printer.emit(.error("cannot record the prekey count: \(error)")) }
        }
        if !grant.waiting.isEmpty { await receive(grant.waiting, network: network) }
        if !grant.receipts.isEmpty { await settle(grant.receipts) }
    }

    /// Leaves `text` for `buddy`, offline, whose trusted key is `publicKey`.
    func leave(_ text: String, for buddy: Username, publicKey: [UInt8]) async throws {
        guard let identity else { throw InvalidValue("not online yet") }
        // Checked before a prekey is claimed for it: a claim spends one of the buddy's prekeys.
        guard !text.isEmpty else { throw InvalidValue("the message is empty") }
        guard text.utf8.count <= WaitingEnvelope.maxTextBytes else {
            throw InvalidValue("\(buddy) is offline, and a message left on the server is at most \(WaitingEnvelope.maxTextBytes) bytes")
        }
        let id = MessageID.random(), sentAt = Date()
        let prekey = try await service.claimPrekey(of: buddy)
        let envelope = try WaitingMessageSeal.seal(text: text, sentAt: sentAt, messageID: id.bytes, sender: identity, recipient: publicKey, prekey: prekey)
        let expiresAt: Date
        do {
            expiresAt = try await service.leaveMessage(for: buddy, id: id.bytes, envelope: envelope.bytes)
        } catch let error as ServiceError where error.code == "recipient_online" {
            throw InvalidValue("\(buddy) is not reachable, but the server still counts them online (it notices a lost connection within seconds); not sent, try again shortly")
        }
        history?.append(HistoryEntry(id: id.description, buddy: buddy.value, direction: .sent, time: sentAt, text: text, state: .queued, waiting: true, forwardSecret: prekey != nil))
        printer.emit(.queued(to: buddy, id: id, expiresAt: expiresAt, forwardSecret: prekey != nil))
    }

    /// Receipts from the login or the stream: reported, recorded, then acknowledged.
    func settle(_ receipts: [MailboxReceipt]) async {
        for receipt in receipts {
            history?.update(id: MessageID(bytes: receipt.id).description, buddy: receipt.to, direction: .sent, state: receipt.state == .delivered ? .delivered : .expired)
            printer.emit(.receipt(receipt))
        }
        // Acknowledged only once recorded: a receipt not on disk comes again at the next login.
        if let history, await !history.flush() { return }
        await acknowledge(messages: [], receipts: receipts.map(\.seq))
    }

    /// Opens each waiting message (docs/protocol.md 5.5), shows and records the new ones, waits
    /// until they are on disk, erases the prekeys they used, then acknowledges.
    private func receive(_ waiting: [WaitingDelivery], network: PeerNetwork) async {
        guard let identity else { return }
        guard history != nil else {
            // Acknowledged, they would be gone from the server and kept nowhere (5.5).
            printer.emit(.error("\(waiting.count) message\(waiting.count == 1 ? "" : "s") left for you while offline stay on the server: this session keeps no history to store them in"))
            return
        }
        var acknowledged: [Int64] = [], used: [[UInt8]] = []
        for delivery in waiting {
            switch await open(delivery, identity: identity, network: network) {
            case .show(let buddy, let message, let prekey):
                let id = MessageID(bytes: message.messageID)
                shown.insert(buddy.value + " " + id.description)
                history?.append(HistoryEntry(
                    id: id.description, buddy: buddy.value, direction: .received, time: message.sentAt, text: message.text,
                    state: .received, waiting: true, forwardSecret: message.forwardSecret
                ))
                printer.emit(.waitingMessage(from: buddy, id: id, text: message.text, sentAt: message.sentAt, forwardSecret: message.forwardSecret))
                acknowledged.append(delivery.seq)
                if let prekey { used.append(prekey) }
            case .duplicate(let prekey):
                acknowledged.append(delivery.seq)
                if let prekey { used.append(prekey) }
            case .drop(let warning, let prekey):
                printer.emit(.error(warning))
                acknowledged.append(delivery.seq)
                if let prekey { used.append(prekey) }
            case .keep(let notice):
                printer.emit(.info(notice))
            }
        }
        if let history, await !history.flush() {
            printer.emit(.error("the history could not be written; the waiting messages stay on the server for the next login"))
            return
        }
        do { try prekeys?.erase(used) } catch { printer.emit(.error("cannot erase the used prekeys: \(error)")) }
        await acknowledge(messages: acknowledged, receipts: [])
    }

    /// What to do with one waiting message.
    private enum Outcome {
        /// It opened: show it (unless seen before), then erase `prekey`'s secret and acknowledge.
        case show(Username, WaitingMessage, prekey: [UInt8]?)
        /// It was shown before: acknowledge it (and erase `prekey`'s secret if still held).
        case duplicate(prekey: [UInt8]?)
        /// It can never be shown: warn, erase `prekey`'s secret if held (a claimed prekey is spent), acknowledge.
        case drop(String, prekey: [UInt8]? = nil)
        /// It may be for another machine of ours: leave it on the server.
        case keep(String)
    }

    private func open(_ delivery: WaitingDelivery, identity: BoxKeyPair, network: PeerNetwork) async -> Outcome {
        let from = TerminalText.visible(delivery.from)
        guard let sender = try? Username(delivery.from), let key = await network.trustedKey(of: sender) else {
            if let sender = try? Username(delivery.from), await network.keyChanged(sender) {
                // Opened once the user accepts the new key (/verify), at a later login.
                return .keep("a waiting message from \(sender) stays on the server until you accept their new key: compare /verify \(sender), then /verify \(sender) accept NUMBER")
            }
            return .drop("a waiting message from \(from), who is not a buddy with a trusted key, was discarded")
        }
        let envelope: WaitingEnvelope
        do { envelope = try WaitingEnvelope(bytes: delivery.envelope) } catch {
            return .drop("a waiting message from \(sender) is malformed (\(error)); discarded")
        }
        // Its ID is in clear: one shown before (a replay, a redelivery after a crash) is only acknowledged.
        if seen(MessageID(bytes: envelope.messageID), from: sender) { return .duplicate(prekey: envelope.prekey) }
        let secret = envelope.prekey.flatMap { prekeys?.secret(for: $0) }
        do {
            let message = try WaitingMessageSeal.open(envelope, sender: key, recipient: identity, prekeySecret: secret)
            return .show(sender, message, prekey: envelope.prekey)
        } catch .noPrekeySecret {
            return .keep("a waiting message from \(sender) was sealed to a prekey this machine does not have (another machine of yours, or one the server made up); it stays on the server")
        } catch .malformed {
            return .drop("a waiting message from \(sender) opened but is not a message (bad text); discarded", prekey: envelope.prekey)
        } catch {
            return .drop("a waiting message from \(sender) does not open with \(sender)'s key (tampered with, or not from \(sender)); discarded", prekey: envelope.prekey)
        }
    }

    /// Whether this message was shown before: a replay, or a redelivery after a crash.
    private func seen(_ id: MessageID, from buddy: Username) -> Bool {
        shown.contains(buddy.value + " " + id.description) || history?.contains(id: id.description, buddy: buddy.value, direction: .received) == true
    }

    /// Acknowledges in calls of at most 1000 of each (the server's bound).
    private func acknowledge(messages: [Int64], receipts: [Int64]) async {
        do {
            for start in stride(from: 0, to: max(messages.count, receipts.count), by: 1000) {
                try await service.acknowledge(messages: Array(messages.dropFirst(start).prefix(1000)), receipts: Array(receipts.dropFirst(start).prefix(1000)))
            }
        } catch {
            printer.emit(.error("acknowledging the waiting messages failed (\(error)); they come again at the next login and are shown once"))
        }
    }
}
