import Foundation
import JuiceCore
import JuicePeer
import Sodium

extension HistoryFile {
    /// Seals `file` again under `newKey` (after a password change): every whole record, in
    /// order, into a new file that replaces the old one at once; a torn tail is dropped. False
    /// when there is no file. A session writing the file meanwhile would lose those records, so
    /// this runs when the user's sessions have ended (`juice passwd` ends them).
    @discardableResult
    public static func reseal(file: URL, from oldKey: SecretBytes, to newKey: SecretBytes) throws(InvalidValue) -> Bool {
        guard let contents = try contents(of: file, key: oldKey) else { return false }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var bytes = try header(key: newKey)
        do {
            for record in contents.records { bytes += try seal(record, key: newKey, encoder: encoder) }
            try StateFileWriter.write(Data(bytes), to: file)
        } catch {
            throw InvalidValue("cannot write the re-sealed history file \(file.path): \(error)")
        }
        return true
    }
}
