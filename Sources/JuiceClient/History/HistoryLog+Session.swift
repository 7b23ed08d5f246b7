import Foundation
import JuiceCore
import JuicePeer

extension HistoryLog {
    /// Records what a live session reports: a message that came in (forward secret: direct
    /// sessions use ephemeral keys, docs/protocol.md 4.5), a receipt for one sent.
    func record(_ event: PeerEvent) {
        switch event {
        case let .message(from, id, text):
            append(HistoryEntry(id: id.description, buddy: from.value, direction: .received, time: Date(), text: text, state: .received, forwardSecret: true))
        case let .delivered(to, id):
            update(id: id.description, buddy: to.value, direction: .sent, state: .delivered)
        default:
            break
        }
    }

    /// Records a message handed to the live session with `buddy`.
    func recordSent(_ text: String, to buddy: Username, id: MessageID) {
        append(HistoryEntry(id: id.description, buddy: buddy.value, direction: .sent, time: Date(), text: text, state: .sent, forwardSecret: true))
    }
}
