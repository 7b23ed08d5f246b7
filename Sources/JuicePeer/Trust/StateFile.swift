import Foundation
import JuiceCore

/// Reads a client state file (pins, replay state). A missing file is "nothing yet"; a file
/// that exists but cannot be read is an error, never taken as empty: an empty pin file would
/// silently trust whatever key the server states next.
enum StateFile {
    /// The file's bytes, or nil when it does not exist. Writes this process has pending for any
    /// state file are waited for first, so a reader sees what was recorded before it started.
    static func read(_ file: URL, what: String) throws(InvalidValue) -> Data? {
        StateFileWriter.waitForPendingWrites()
        do {
            return try Data(contentsOf: file)
        } catch CocoaError.fileReadNoSuchFile {
            return nil
        } catch {
            throw InvalidValue("cannot read the \(what) file \(file.path); fix or remove it")
        }
    }

    /// The error for a file that reads but does not parse.
    static func corrupt(_ file: URL, what: String) -> InvalidValue {
        InvalidValue("the \(what) file \(file.path) is corrupt; fix or remove it")
    }
}
