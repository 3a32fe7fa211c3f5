// swift-tools-version: 6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    // Ringback's own code builds without a warning (dependencies keep theirs).
    .unsafeFlags(["-warnings-as-errors"]),
]

let package = Package(
    name: "Ringback",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "ringback", targets: ["ringback"]),
        .library(name: "Ringback", targets: ["Ringback"]),
        .library(name: "RingbackTesting", targets: ["RingbackTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // C: only here, every symbol prefixed.
        .systemLibrary(
            name: "CRingbackSndFile",
            pkgConfig: "sndfile",
            providers: [.apt(["libsndfile1-dev"])]
        ),
        .systemLibrary(
            name: "CRingbackCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),

        .systemLibrary(
            name: "CRingbackLame",
            pkgConfig: "lame",
            providers: [.apt(["libmp3lame-dev"])]
        ),
        .systemLibrary(
            name: "CRingbackSampleRate",
            pkgConfig: "samplerate",
            providers: [.apt(["libsamplerate0-dev"])]
        ),
        // whisper.cpp is built from its pinned source package by `make deps` into .deps/whisper.
        .systemLibrary(name: "CRingbackWhisper"),
        .systemLibrary(name: "CRingbackInotify"),
        .systemLibrary(name: "CRingbackMalloc"),

        // Thin Swift owners of the C handles.
        .target(
            name: "RingbackAudio",
            dependencies: ["CRingbackSndFile", "CRingbackSampleRate", "CRingbackLame"],
            swiftSettings: strict
        ),
        .target(
            name: "RingbackWhisper",
            dependencies: ["CRingbackWhisper"],
            swiftSettings: strict,
            linkerSettings: [.unsafeFlags(["-L\(Context.packageDirectory)/.deps/whisper/lib"])]
        ),
        .target(
            name: "RingbackCurl",
            dependencies: ["CRingbackCurl"],
            swiftSettings: strict
        ),
        .target(
            name: "RingbackInotify",
            dependencies: ["CRingbackInotify"],
            swiftSettings: strict
        ),
        .target(
            name: "RingbackMalloc",
            dependencies: ["CRingbackMalloc"],
            swiftSettings: strict
        ),

        // The values every stage shares (phone numbers, caller ID, mail addresses, transcripts, identities, business
        // hours): a leaf, so configuration and the stages depend on it and it on nothing of theirs.
        .target(
            name: "RingbackCore",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),

        // The domain: no C imports.
        .target(
            name: "Ringback",
            dependencies: [
                "RingbackCore",
                "RingbackAudio",
                "RingbackCurl",
                "RingbackInotify",
                "RingbackWhisper",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),

        // Stand-in servers and fixtures shared by every test target.
        .target(
            name: "RingbackTesting",
            dependencies: ["Ringback", "RingbackCore", "RingbackAudio", .product(name: "Logging", package: "swift-log")],
            resources: [.copy("Resources/smtp_sink.py")],
            swiftSettings: strict
        ),

        .executableTarget(
            name: "ringback",
            dependencies: [
                "Ringback",
                "RingbackCore",
                "RingbackMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),

        .testTarget(
            name: "RingbackAudioTests",
            dependencies: ["RingbackAudio", "RingbackTesting"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "RingbackCurlTests",
            dependencies: ["RingbackCurl", "RingbackTesting"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "RingbackTests",
            dependencies: [
                "Ringback", "RingbackCore", "RingbackTesting", "RingbackAudio", "RingbackCurl", "RingbackWhisper",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            exclude: ["Fixtures"],  // read by path (#filePath), not bundled
            swiftSettings: strict
        ),
        .testTarget(
            name: "RingbackCLITests",
            dependencies: ["ringback", "RingbackTesting"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
