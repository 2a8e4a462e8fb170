import Foundation
import Testing

@testable import Summaries

@Suite struct PackedNumbersTests {
  struct Holder: Codable {
    var floats: [Float]
    var keys: [UInt64]

    enum CodingKeys: String, CodingKey { case floats, keys }

    init(floats: [Float], keys: [UInt64]) {
      self.floats = floats
      self.keys = keys
    }

    init(from decoder: any Decoder) throws {
      let container = try decoder.container(keyedBy: CodingKeys.self)
      floats = try container.decodePacked([Float].self, forKey: .floats)
      keys = try container.decodePacked([UInt64].self, forKey: .keys)
    }

    func encode(to encoder: any Encoder) throws {
      var container = encoder.container(keyedBy: CodingKeys.self)
      try container.encodePacked(floats, forKey: .floats)
      try container.encodePacked(keys, forKey: .keys)
    }
  }

  @Test func packedFloatsComeBackBitForBit() throws {
    let floats: [Float] = [
      0, -0, 1, -1.5, .pi, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .infinity, -.infinity,
      Float(bitPattern: 0x7FC0_1234),
    ]
    let keys: [UInt64] = [0, 1, .max, 0x0123_4567_89AB_CDEF]
    let data = try JSONEncoder().encode(Holder(floats: floats, keys: keys))
    let back = try JSONDecoder().decode(Holder.self, from: data)
    #expect(back.floats.map(\.bitPattern) == floats.map(\.bitPattern))
    #expect(back.keys == keys)
    // Little-endian bytes, whatever the host: 1.0 is 00 00 80 3F.
    #expect(PackedNumbers.string([Float(1).bitPattern]) == Data([0, 0, 0x80, 0x3F]).base64EncodedString())
    let empty = try JSONDecoder().decode(Holder.self, from: JSONEncoder().encode(Holder(floats: [], keys: [])))
    #expect(empty.floats.isEmpty && empty.keys.isEmpty)
  }

  @Test func badPackingIsACorruptionError() {
    // Not base64; 3 bytes of floats; 6 bytes of keys (not whole numbers); a number, not a packing.
    let texts = [
      #"{"floats":"not base64!","keys":""}"#, #"{"floats":"AAAA","keys":""}"#, #"{"floats":"","keys":"AAAAAAAA"}"#,
      #"{"floats":3,"keys":""}"#,
    ]
    for text in texts {
      #expect(throws: DecodingError.self) { try JSONDecoder().decode(Holder.self, from: Data(text.utf8)) }
    }
  }
}
