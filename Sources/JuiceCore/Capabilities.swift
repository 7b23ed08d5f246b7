/// What a user's machine offers: a camera and a microphone.
public struct Capabilities: Sendable, Hashable, Codable {
    /// A video capture device is present (and not switched off).
    public var camera: Bool
    /// An audio capture device is present (and not switched off).
    public var mic: Bool

    /// Creates capability flags.
    public init(camera: Bool, mic: Bool) {
        self.camera = camera
        self.mic = mic
    }

    /// Neither camera nor microphone.
    public static let none = Capabilities(camera: false, mic: false)
}
