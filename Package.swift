// swift-tools-version: 6.2
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Juice",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "juiced", targets: ["juiced"]),
        .executable(name: "juice", targets: ["juice"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-openapi-generator.git", from: "1.14.3"),
        .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.13.4"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-openapi-hummingbird.git", from: "2.1.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-openapi-async-http-client.git", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // C libraries, imported through pkg-config.
        .systemLibrary(
            name: "CSodium",
            pkgConfig: "libsodium",
            providers: [.apt(["libsodium-dev"])]
        ),
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),

        .systemLibrary(
            name: "CPwquality",
            pkgConfig: "pwquality",
            providers: [.apt(["libpwquality-dev"])]
        ),

        // Thin, safe Swift wrappers over the C libraries.
        .target(
            name: "Sodium",
            dependencies: ["CSodium"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "Postgres",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        // Domain values shared by the service and the client.
        .target(
            name: "JuiceCore",
            dependencies: ["Sodium"],
            swiftSettings: swiftSettings
        ),

        // The HTTP API: an OpenAPI document generated into types, server stubs and a client.
        .target(
            name: "JuiceAPI",
            dependencies: [
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
            ],
            resources: [.embedInCode("openapi.yaml")],
            swiftSettings: swiftSettings,
            plugins: [.plugin(name: "OpenAPIGenerator", package: "swift-openapi-generator")]
        ),

        // The account service.
        .target(
            name: "JuiceServer",
            dependencies: [
                "JuiceAPI",
                "JuiceCore",
                "JuiceRelay",
                "Postgres",
                "Sodium",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "OpenAPIHummingbird", package: "swift-openapi-hummingbird"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [.embedInCode("Schema")],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "juiced",
            dependencies: [
                "JuiceServer",
                "Postgres",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // Direct peer sessions: framing, the handshake state machines, the encrypted transport.
        .target(
            name: "JuicePeer",
            dependencies: [
                "JuiceCore",
                "Sodium",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        // STUN Binding (RFC 8489) and TURN TCP allocations (RFC 6062) against coturn: the srflx and relay candidates.
        .target(
            name: "JuiceRelay",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        // The client library and the CLI.
        .target(
            name: "JuiceClient",
            dependencies: [
                "CPwquality",
                "JuiceAPI",
                "JuiceCore",
                "JuicePeer",
                "JuiceRelay",
                "Sodium",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "OpenAPIAsyncHTTPClient", package: "swift-openapi-async-http-client"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "juice",
            dependencies: [
                "JuiceClient",
                "JuiceCore",
                "JuicePeer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // Benchmarks: every figure of BENCHMARKS.md in one run (Ops/bench).
        .executableTarget(
            name: "juice-bench",
            dependencies: [
                "JuiceAPI", "JuiceClient", "JuiceCore", "JuicePeer", "JuiceServer", "JuiceTestSupport", "Postgres", "Sodium",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),

        // Test support: a real PostgreSQL per test run, and helpers to drive the real binaries.
        .target(
            name: "JuiceTestSupport",
            dependencies: [
                "Postgres",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/JuiceTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "SodiumTests", dependencies: ["Sodium", "JuiceTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "JuiceTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "JuiceCoreTests", dependencies: ["JuiceCore", "Sodium", "JuiceTestSupport"], swiftSettings: swiftSettings),
        .testTarget(
            name: "JuicePeerTests",
            dependencies: [
                "JuicePeer", "JuiceCore", "Sodium", "JuiceTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "JuiceRelayTests",
            dependencies: [
                "JuiceRelay",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "JuiceClientTests",
            dependencies: [
                "JuiceAPI", "JuiceClient", "JuiceCore", "JuicePeer", "Sodium",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "JuiceServerTests",
            dependencies: [
                "JuiceCore",
                "JuiceServer",
                "JuiceTestSupport",
                "Postgres",
                "Sodium",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            // The client libraries too, for a hostile buddy that sends what `juice` never would.
            dependencies: ["JuiceTestSupport", "Postgres", "JuiceClient", "JuicePeer", "JuiceCore", "Sodium"],
            swiftSettings: swiftSettings
        ),
    ]
)
