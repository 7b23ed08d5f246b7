import Foundation
import JuiceClient
import JuiceCore
import Testing

@Suite struct SessionCommandTests {
    @Test func parsesEveryCommand() {
        #expect(SessionCommand(line: "/msg bob hi there 🍊") == .message(to: "bob", text: "hi there 🍊"))
        #expect(SessionCommand(line: "/to bob") == .select("bob"))
        #expect(SessionCommand(line: "hello") == .say("hello"))
        #expect(SessionCommand(line: "/buddies") == .buddies)
        #expect(SessionCommand(line: "/add carol") == .add("carol"))
        #expect(SessionCommand(line: "/accept carol") == .accept("carol"))
        #expect(SessionCommand(line: "/remove carol") == .remove("carol"))
        #expect(SessionCommand(line: "/status away back soon") == .status(.away, "back soon"))
        #expect(SessionCommand(line: "/caps camera=on mic=off") == .capabilities(camera: true, mic: false))
        #expect(SessionCommand(line: "/caps mic=on") == .capabilities(camera: nil, mic: true))
        #expect(SessionCommand(line: "/verify bob") == .verify("bob", accept: nil))
        #expect(SessionCommand(line: "/verify bob accept 12345 67890") == .verify("bob", accept: "12345 67890"))
        #expect(SessionCommand(line: "/verify bob accept") == .invalid("usage: /verify NAME [accept SAFETY-NUMBER]"))
        #expect(SessionCommand(line: "/quit") == .quit)
        #expect(SessionCommand(line: "   ") == .empty)
    }

    @Test(arguments: ["/msg bob", "/status gone", "/caps camera=maybe", "/caps", "/add", "/frobnicate"])
    func rejectsMalformedCommands(_ line: String) {
        guard case .invalid = SessionCommand(line: line) else {
            Issue.record("\(line) should be invalid")
            return
        }
    }
}

@Suite struct CapabilityDetectorTests {
    @Test func readsDevicesAndALSA() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("caps-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let pcm = dir.appendingPathComponent("pcm")
        try "00-00: ALC : ALC : playback 1\n".write(to: pcm, atomically: true, encoding: .utf8)
        #expect(CapabilityDetector.detect(devices: dir.path, alsa: pcm.path) == Capabilities(camera: false, mic: false))
        try "00-00: ALC : ALC : playback 1 : capture 1\n".write(to: pcm, atomically: true, encoding: .utf8)
        FileManager.default.createFile(atPath: dir.appendingPathComponent("video0").path, contents: nil)
        #expect(CapabilityDetector.detect(devices: dir.path, alsa: pcm.path) == Capabilities(camera: true, mic: true))
    }
}
