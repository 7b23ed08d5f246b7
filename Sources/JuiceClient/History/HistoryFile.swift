import Foundation
import Glibc
import JuiceCore
import Sodium

/// The local history file (docs/protocol.md 6): a header that proves the key, then one sealed
/// record per event, appended.
///
/// `"JXH1" || nonce (24) || secretbox("JXH1")`, then records `length (u32 BE) || nonce (24) ||
/// secretbox(JSON of the record)`, where length counts the nonce and the box. A short or
/// unauthenticated last record is a torn write: readers treat it as absent, and the next writer
/// cuts it off before appending.
public enum HistoryFile {
    /// The file's first bytes.
    static let magic = Array("JXH1".utf8)
    /// The largest sealed record (length field) a reader accepts: messages are at most 64 KiB.
    static let maxRecordLength = 1 << 20
    /// The length field's size.
    static let lengthFieldSize = 4

    /// The header's size.
    static var headerLength: Int { magic.count + SecretBox.nonceLength + SecretBox.macLength + magic.count }

    /// The smallest sealed record.
    static var minRecordLength: Int { SecretBox.nonceLength + SecretBox.macLength }

    /// The one-line reason a key does not open the file.
    static let wrongKey = "wrong password, or not this user's history"

    /// What a file holds: its records in order, and how many of its bytes are whole (a torn tail
    /// is past that).
    struct Contents {
        var records: [HistoryRecord] = []
        var validLength: Int
    }

    /// The entries of `file`, with every state change folded in, oldest first; nil when there is
    /// no file. A wrong key fails at the header, before any record is read.
    public static func read(file: URL, key: SecretBytes) throws(InvalidValue) -> [HistoryEntry]? {
        guard let contents = try contents(of: file, key: key) else { return nil }
        return fold(contents.records)
    }

    /// Removes `file`; false when there was none.
    @discardableResult
    public static func delete(file: URL) throws(InvalidValue) -> Bool {
        if unlink(file.path) == 0 { return true }
        if errno == ENOENT { return false }
        throw InvalidValue("cannot delete the history file \(file.path): \(String(cString: strerror(errno)))")
    }

    /// The parsed file, or nil when it does not exist.
    static func contents(of file: URL, key: SecretBytes) throws(InvalidValue) -> Contents? {
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch CocoaError.fileReadNoSuchFile {
            return nil
        } catch {
            throw InvalidValue("cannot read the history file \(file.path)")
        }
        return try parse([UInt8](data), key: key, file: file)
    }

    /// Parses a whole file's bytes.
    static func parse(_ bytes: [UInt8], key: SecretBytes, file: URL) throws(InvalidValue) -> Contents {
        guard bytes.count >= headerLength, Array(bytes[0..<magic.count]) == magic else {
            throw InvalidValue("\(file.path) is not a Juice history file (or its header is damaged)")
        }
        guard let check = try? SecretBox.open(Array(bytes[magic.count..<headerLength]), key: key), check.copiedBytes == magic else {
            throw InvalidValue("cannot open the history file \(file.path): \(wrongKey)")
        }
        var contents = Contents(validLength: headerLength)
        var offset = headerLength
        let decoder = JSONDecoder()
        while offset < bytes.count {
            let remaining = bytes.count - offset
            guard remaining >= lengthFieldSize else { break } // torn length field
            let length = bytes[offset..<offset + lengthFieldSize].reduce(0) { $0 << 8 | Int($1) }
            guard (minRecordLength...maxRecordLength).contains(length) else {
                if bytes[offset...].allSatisfy({ $0 == 0 }) { break } // a zero-filled torn tail
                throw corrupt(file, at: offset)
            }
            guard remaining >= lengthFieldSize + length else { break } // torn record
            let end = offset + lengthFieldSize + length
            let sealed = Array(bytes[offset + lengthFieldSize..<end])
            guard let plain = try? SecretBox.open(sealed, key: key) else {
                if end == bytes.count { break } // an unauthenticated last record: torn
                throw corrupt(file, at: offset)
            }
            guard let record = try? plain.withUnsafeBytes({ try decoder.decode(HistoryRecord.self, from: Data($0)) }) else {
                throw InvalidValue("the history file \(file.path) has a record this version cannot read, at byte \(offset)")
            }
            contents.records.append(record)
            offset = end
            contents.validLength = end
        }
        return contents
    }

    private static func corrupt(_ file: URL, at offset: Int) -> InvalidValue {
        InvalidValue("the history file \(file.path) is damaged at byte \(offset); move it away to start a new one")
    }

    /// The header for a new file under `key`.
    static func header(key: SecretBytes) throws(InvalidValue) -> [UInt8] {
        do {
            return magic + (try SecretBox.seal(SecretBytes(magic), key: key))
        } catch {
            throw InvalidValue("cannot seal the history header: \(error)")
        }
    }

    /// One record as written: `length || nonce || secretbox(JSON)`.
    static func seal(_ record: HistoryRecord, key: SecretBytes, encoder: JSONEncoder) throws -> [UInt8] {
        var json = [UInt8](try encoder.encode(record))
        defer { ConstantTime.wipe(&json) }
        let sealed = try SecretBox.seal(SecretBytes(json), key: key)
        guard sealed.count <= maxRecordLength else { throw InvalidValue("a history record is larger than \(maxRecordLength) bytes") }
        let length = UInt32(sealed.count)
        return [UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + sealed
    }

    /// Entries with their state changes folded in, ordered by time (ties in file order).
    static func fold(_ records: [HistoryRecord]) -> [HistoryEntry] {
        var entries: [HistoryEntry] = []
        var index: [HistoryRecord.Key: Int] = [:]
        for record in records {
            switch record {
            case .entry(let entry):
                guard index[entry.key] == nil else { continue }
                index[entry.key] = entries.count
                entries.append(entry)
            case .state(let change):
                if let position = index[record.key] { entries[position].state = change.state }
            }
        }
        return entries.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }.map(\.element)
    }
}
