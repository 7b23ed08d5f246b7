extension PresenceAnnouncement {
    /// Reads a notification's payload without Foundation's `JSONDecoder` (a decoder per
    /// notification, some twenty for each login while streams are open): an object with the
    /// integer `a` and the array of integers `r`, in either order and with any spacing, as
    /// `json_build_object` writes it (`{"a" : 7, "r" : [1,2]}`). Anything else is nil, and the
    /// caller falls back to the decoder.
    init?(payload: String) {
        var scanner = PayloadScanner(bytes: Array(payload.utf8))
        var subject: Int64?, recipients: [Int64]?
        guard scanner.take(UInt8(ascii: "{")) else { return nil }
        repeat {
            guard scanner.take(UInt8(ascii: "\"")), let key = scanner.key(), scanner.take(UInt8(ascii: ":")) else { return nil }
            switch key {
            case UInt8(ascii: "a") where subject == nil:
                guard let value = scanner.integer() else { return nil }
                subject = value
            case UInt8(ascii: "r") where recipients == nil:
                guard let values = scanner.integers() else { return nil }
                recipients = values
            default:
                return nil
            }
        } while scanner.take(UInt8(ascii: ","))
        guard scanner.take(UInt8(ascii: "}")), scanner.atEnd, let subject, let recipients else { return nil }
        self.init(a: subject, r: recipients)
    }
}

/// The bytes of a payload, read left to right; every step skips JSON whitespace first.
private struct PayloadScanner {
    let bytes: [UInt8]
    var index = 0

    var atEnd: Bool {
        mutating get { skipSpace(); return index == bytes.count }
    }

    /// Consumes `byte` if it comes next.
    mutating func take(_ byte: UInt8) -> Bool {
        skipSpace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    /// A one-letter key and its closing quote (the opening one is taken).
    mutating func key() -> UInt8? {
        guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\"") else { return nil }
        defer { index += 2 }
        return bytes[index]
    }

    /// An integer that fits `Int64`.
    mutating func integer() -> Int64? {
        skipSpace()
        let negative = index < bytes.count && bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        var value: Int64 = 0, digits = 0
        while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
            let digit = Int64(bytes[index] - UInt8(ascii: "0"))
            let (shifted, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !overflow1, !overflow2 else { return nil }
            value = next
            digits += 1
            index += 1
        }
        return digits > 0 ? value : nil
    }

    /// `[` integers separated by commas `]`, possibly none.
    mutating func integers() -> [Int64]? {
        guard take(UInt8(ascii: "[")) else { return nil }
        var values: [Int64] = []
        if take(UInt8(ascii: "]")) { return values }
        repeat {
            guard let value = integer() else { return nil }
            values.append(value)
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "]")) ? values : nil
    }

    private mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }
}
