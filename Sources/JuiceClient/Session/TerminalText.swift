/// Text from others (a buddy's message or status, a server's names and messages) made safe to
/// print on a terminal: nothing in it can move the cursor, retitle the window, clear the screen,
/// reorder what is shown, or start a line that looks like another event.
public enum TerminalText {
    /// What each continuation line of a multi-line text starts with. No event line starts with
    /// a space, so a continuation can never pass for one.
    public static let continuation = "    "

    /// `text` with each line break (LF or CR LF) shown as a new line indented by
    /// ``continuation``, C0 controls (CR, ESC, BEL, tab…) and DEL in caret notation (`^M`, `^[`,
    /// `^G`, `^I`, `^?`), and C1 controls, bidirectional overrides and isolates and the Unicode
    /// line and paragraph separators as `<U+XXXX>`. Anything else is left as it is.
    public static func visible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count + 16)
        let scalars = Array(text.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            switch scalar.value {
            case 0x0D where index + 1 < scalars.count && scalars[index + 1] == "\n":
                continue // CR LF is one line break
            case 0x0A:
                result += "\n" + continuation
            case 0x00..<0x20, 0x7F:
                result += "^" + String(UnicodeScalar(UInt8(scalar.value ^ 0x40)))
            case _ where needsEscape(scalar):
                let hex = String(scalar.value, radix: 16, uppercase: true)
                result += "<U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex + ">"
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    private static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00..<0x20, 0x7F...0x9F: true // C0, DEL, C1
        case 0x202A...0x202E, 0x2066...0x2069: true // bidirectional embeddings, overrides, isolates
        case 0x2028, 0x2029: true // line and paragraph separators
        case 0x200C, 0x200D: false // joiners: emoji sequences and many scripts need them; they reorder nothing
        default: scalar.properties.generalCategory == .format // other invisible marks (bidi, zero-width, tags)
        }
    }
}
