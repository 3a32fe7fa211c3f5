import Foundation
import Testing

@testable import Ringback

/// The upload parser: the same parts however the body is cut into pieces, and a clear refusal of a cut-off body.
@Suite struct MultipartReaderTests {
    static let body = Array(
        ("preamble to ignore\r\n--XyZ\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"msg0001.wav\"\r\nContent-Type: audio/wav\r\n\r\n"
            + "RIFF\r\n--XyNOTtheboundary\r\n-\r\n--XyZZ is not it either"
            + "\r\n--XyZ\r\nContent-Disposition: form-data; name=metadata\r\n\r\n[message]\nmsg_id=1-2\n"
            + "\r\n--XyZ--\r\nepilogue").utf8)

    /// Feeds `bytes` in pieces of `size`; returns the parts as (name, filename, bytes).
    static func parts(_ bytes: [UInt8], pieces size: Int) throws -> [(String, String?, [UInt8])] {
        var reader = try #require(MultipartReader(contentType: "multipart/form-data; boundary=XyZ"))
        var parts: [(String, String?, [UInt8])] = []
        var offset = 0
        while offset < bytes.count {
            for event in try reader.feed(bytes[offset..<min(bytes.count, offset + size)]) {
                switch event {
                case .part(let name, let filename, _): parts.append((name, filename, []))
                case .data(let data): parts[parts.count - 1].2 += data
                case .partEnd: break
                }
            }
            offset += size
        }
        try reader.finish()
        return parts
    }

    @Test func everyWayOfCuttingTheBodyGivesTheSameParts() throws {
        for size in [1, 2, 3, 7, 13, 64, Self.body.count] {
            let parts = try Self.parts(Self.body, pieces: size)
            #expect(parts.map(\.0) == ["audio", "metadata"], "pieces of \(size)")
            #expect(parts.first?.1 == "msg0001.wav")
            #expect(String(decoding: parts[0].2, as: UTF8.self) == "RIFF\r\n--XyNOTtheboundary\r\n-\r\n--XyZZ is not it either", "pieces of \(size)")
            #expect(String(decoding: parts[1].2, as: UTF8.self) == "[message]\nmsg_id=1-2\n", "pieces of \(size)")
        }
    }

    @Test func aCutOffBodyAndOtherContentTypesAreRefused() throws {
        #expect(throws: MultipartReader.Failure.truncated) { try Self.parts(Array(Self.body.prefix(150)), pieces: 10) }
        #expect(MultipartReader(contentType: "application/json") == nil)
        #expect(MultipartReader(contentType: "multipart/form-data") == nil, "no boundary")
        #expect(MultipartReader(contentType: "multipart/form-data; boundary=\"quoted\"") != nil)
        var reader = try #require(MultipartReader(contentType: "multipart/form-data; boundary=b"))
        #expect(throws: MultipartReader.Failure.headersTooLong) {
            _ = try reader.feed(Array("--b\r\n".utf8) + Array(repeating: UInt8(ascii: "x"), count: 9000))
        }
    }
}
