import Foundation
import JuiceCore

/// Finds the camera and microphone on this machine: `/dev/video*` for video, ALSA capture
/// devices (`/proc/asound/pcm` lines with `capture`) for audio.
public enum CapabilityDetector {
    /// What the machine offers.
    public static func detect(devices: String = "/dev", alsa: String = "/proc/asound/pcm") -> Capabilities {
        let camera = ((try? FileManager.default.contentsOfDirectory(atPath: devices)) ?? []).contains { $0.hasPrefix("video") }
        let pcm = (try? String(contentsOfFile: alsa, encoding: .utf8)) ?? ""
        let mic = pcm.split(separator: "\n").contains { $0.contains("capture") }
        return Capabilities(camera: camera, mic: mic)
    }
}
