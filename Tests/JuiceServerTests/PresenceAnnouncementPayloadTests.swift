import Foundation
@testable import JuiceServer
import Testing

/// The hand-written reader of `presence_announce` payloads agrees with `JSONDecoder` on what
/// PostgreSQL writes, and declines (so the decoder decides) anything else.
@Suite struct PresenceAnnouncementPayloadTests {
    @Test(arguments: [
        #"{"a" : 521, "r" : [511,512,520]}"#,   // json_build_object with array_agg
        #"{"a" : 7, "r" : [7]}"#,               // json_build_array: a check of one's own stream
        #"{"r":[],"a":-3}"#,
        " {\n\"a\":\t9223372036854775807 , \"r\" : [ -9223372036854775808 , 0 ] } ",
    ])
    func readsWhatTheDecoderReads(payload: String) throws {
        let read = try #require(PresenceAnnouncement(payload: payload))
        let decoded = try JSONDecoder().decode(PresenceAnnouncement.self, from: Data(payload.utf8))
        #expect(read.a == decoded.a && read.r == decoded.r)
    }

    @Test(arguments: [
        "", "{}", #"{"a" : 1}"#, #"{"r" : [1]}"#, #"{"a" : 1, "r" : [1,]}"#, #"{"a" : 1, "r" : [1]} x"#,
        #"{"a" : 1.5, "r" : [1]}"#, #"{"a" : 9223372036854775808, "r" : []}"#, #"{"a" : 1, "a" : 2, "r" : []}"#,
        #"{"a" : 1, "r" : [1], "x" : 2}"#, #"{"\u0061" : 1, "r" : []}"#, #"{"a" : "1", "r" : []}"#,
    ])
    func declinesAnythingElse(payload: String) {
        #expect(PresenceAnnouncement(payload: payload) == nil)
    }
}
