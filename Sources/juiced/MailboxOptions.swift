import ArgumentParser
import JuiceServer

/// `juiced` options that bound waiting messages (docs/protocol.md 5.2).
struct MailboxOptions: ParsableArguments {
    @Option(name: .long, help: "Waiting messages one user's mailbox holds at most; one sender may fill half.")
    var mailboxMessages = MailboxSettings().maxMessages

    @Option(name: .long, help: "Bytes of sealed waiting messages one user's mailbox holds at most (at least 16490, one message); one sender may fill half.")
    var mailboxBytes = MailboxSettings().maxBytes

    @Option(name: .long, help: "Days a waiting message is kept before it expires (fractions allowed); its sender is then told it expired.")
    var mailboxDays = Double(MailboxSettings().expirySeconds) / 86_400

    func validate() throws {
        guard (2...1000).contains(mailboxMessages) else {
            throw ValidationError("--mailbox-messages must be from 2 (one sender may fill half) to 1000 (what one acknowledgement takes)")
        }
        guard (2 * 16_490...2_621_440).contains(mailboxBytes) else {
            throw ValidationError("--mailbox-bytes must be from 32980 (one sender may fill half, and a message is up to 16490 bytes) to 2621440 (a full mailbox, as base64, must fit the 4 MiB first line of a login stream)")
        }
        guard mailboxDays * 86_400 >= 1, mailboxDays <= 365 else { throw ValidationError("--mailbox-days must be from 1 second (0.0000116) to 365") }
    }

    /// Sets these bounds in `settings`.
    func apply(to settings: inout MailboxSettings) {
        settings.maxMessages = mailboxMessages
        settings.maxBytes = mailboxBytes
        settings.expirySeconds = Int((mailboxDays * 86_400).rounded())
    }
}
