import Foundation
import RingbackCore
import Testing

@testable import Ringback

/// Segment times as the whisper family reports them: seconds, except LocalAI's nanoseconds.
@Suite struct WhisperSegmentTests {
    @Test func secondsStayAndLocalAIsNanosecondsBecomeSeconds() throws {
        let seconds = #"[{"start":0.0,"end":1.5,"text":" Hi,"},{"start":1.5,"end":3.25,"text":" call me."}]"#
        let localAI = #"[{"start":0,"end":1500000000,"text":"Hi,"},{"start":1500000000,"end":3250000000,"text":"call me."}]"#
        let expected = [Transcript.Segment(start: 0, end: 1.5, text: "Hi,"), Transcript.Segment(start: 1.5, end: 3.25, text: "call me.")]
        for json in [seconds, localAI] {
            let segments = try JSONDecoder().decode([WhisperSegment].self, from: Data(json.utf8))
            #expect(WhisperSegment.timed(segments) == expected)
        }
        #expect(WhisperSegment.timed(nil).isEmpty)
    }
}
