import Foundation

/// Wall-clock time in milliseconds since 1970: M1's timestamp, and what the replay guard compares it with.
enum WallClock {
    static func milliseconds() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }
}
