/// An instant read from an ISO 8601 date or date-time cell, in UTC.
///
/// Accepted: `YYYY-MM-DD`, optionally followed by `T` or a space, `HH:MM`, optional `:SS` and a
/// fraction, and an optional `Z` or `±HH[:]MM` offset. A time with an offset is converted to
/// UTC (`2024-03-01T23:30-02:00` is 2024-03-02 01:30 UTC); a time without one is read as UTC.
/// Fields out of range (month 13, 30 February, hour 24) are not a timestamp.
public struct Timestamp: Sendable, Hashable, Comparable {
  /// Seconds since 1970-01-01T00:00:00Z.
  public var secondsSinceEpoch: Double

  /// The instant `secondsSinceEpoch` seconds after the epoch.
  public init(secondsSinceEpoch: Double) {
    self.secondsSinceEpoch = secondsSinceEpoch
  }

  /// Parses `text` (trim it first: spaces are not part of a timestamp); nil unless it is an ISO
  /// 8601 date or date-time as described above.
  public init?(iso8601 text: String) {
    var reader = DigitReader(Array(text.utf8))
    guard let year = reader.digits(4), reader.byte("-"), let month = reader.digits(2), reader.byte("-"),
      let day = reader.digits(2), (1...12).contains(month), (1...Self.daysInMonth(month, year: year)).contains(day)
    else { return nil }
    var seconds = Double(Self.daysSinceEpoch(year: year, month: month, day: day)) * 86_400
    if reader.atEnd {
      self.init(secondsSinceEpoch: seconds)
      return
    }
    guard reader.byte("T ") || reader.byte("t"), let hour = reader.digits(2), reader.byte(":"),
      let minute = reader.digits(2), hour < 24, minute < 60
    else { return nil }
    seconds += Double(hour * 3600 + minute * 60)
    if reader.byte(":") {
      guard let second = reader.digits(2), second <= 60 else { return nil }
      seconds += Double(second)
      if reader.byte(".") {
        var scale = 0.1
        guard let first = reader.digits(1) else { return nil }
        var fraction = Double(first) * scale
        while let digit = reader.digits(1) {
          scale /= 10
          fraction += Double(digit) * scale
        }
        seconds += fraction
      }
    }
    if reader.byte("Zz") {
      guard reader.atEnd else { return nil }
    } else if let sign = reader.sign() {
      guard let hours = reader.digits(2) else { return nil }
      _ = reader.byte(":")
      guard let minutes = reader.digits(2), hours < 24, minutes < 60, reader.atEnd else { return nil }
      // Local time = UTC + offset.
      seconds -= Double(sign * (hours * 3600 + minutes * 60))
    } else if !reader.atEnd {
      return nil
    }
    self.init(secondsSinceEpoch: seconds)
  }

  /// Whether `lhs` is earlier than `rhs`.
  public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.secondsSinceEpoch < rhs.secondsSinceEpoch }

  /// The UTC calendar day, as days since 1970-01-01.
  public var day: Int { Int((secondsSinceEpoch / 86_400).rounded(.down)) }

  /// The number of days in `month` (1–12) of `year` (proleptic Gregorian).
  static func daysInMonth(_ month: Int, year: Int) -> Int {
    switch month {
    case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
    case 4, 6, 9, 11: 30
    default: 31
    }
  }

  /// Days from 1970-01-01 to the date (Howard Hinnant's `days_from_civil`).
  static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    return era * 146_097 + dayOfEra - 719_468
  }

  /// The date of a day since 1970-01-01 (Howard Hinnant's `civil_from_days`).
  static func date(ofDay days: Int) -> (year: Int, month: Int, day: Int) {
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let mp = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
  }

  /// `YYYY-MM-DD` of a day since 1970-01-01.
  static func dateText(ofDay days: Int) -> String {
    let (year, month, day) = date(ofDay: days)
    return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))"
  }

  /// `value` with leading zeros to `width` digits.
  static func padded(_ value: Int, _ width: Int) -> String {
    let text = String(value)
    return String(repeating: "0", count: max(width - text.count, 0)) + text
  }
}

/// A calendar period that groups timestamps: a UTC day, an ISO week (Monday to Sunday), or a
/// calendar month.
public enum TimePeriod: String, Sendable, Codable, CaseIterable {
  case day, week, month

  /// The period holding `timestamp`, as a consecutive integer (adjacent periods differ by one).
  public func index(of timestamp: Timestamp) -> Int {
    let day = timestamp.day
    switch self {
    case .day: return day
    // 1970-01-01 was a Thursday: day 4 was the first Monday (of week 1); floor division.
    case .week: return (day - 4 >= 0 ? (day - 4) / 7 : (day - 4 - 6) / 7)
    case .month:
      let date = Timestamp.date(ofDay: day)
      return date.year * 12 + date.month - 1
    }
  }

  /// The first day of period `index`, as days since 1970-01-01.
  func firstDay(ofIndex index: Int) -> Int {
    switch self {
    case .day: index
    case .week: index * 7 + 4
    case .month:
      Timestamp.daysSinceEpoch(
        year: index >= 0 ? index / 12 : (index - 11) / 12, month: ((index % 12) + 12) % 12 + 1, day: 1)
    }
  }

  /// The period's first and last dates, `YYYY-MM-DD`.
  public func dates(ofIndex index: Int) -> (start: String, end: String) {
    (Timestamp.dateText(ofDay: firstDay(ofIndex: index)), Timestamp.dateText(ofDay: firstDay(ofIndex: index + 1) - 1))
  }
}

/// Reads ASCII digits and punctuation from a byte string, left to right.
private struct DigitReader {
  let bytes: [UInt8]
  var index = 0

  init(_ bytes: [UInt8]) { self.bytes = bytes }

  var atEnd: Bool { index == bytes.count }

  /// The value of the next `count` bytes if all are digits (and then consumes them).
  mutating func digits(_ count: Int) -> Int? {
    guard index + count <= bytes.count else { return nil }
    var value = 0
    for byte in bytes[index..<index + count] {
      guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
      value = value * 10 + Int(byte - UInt8(ascii: "0"))
    }
    index += count
    return value
  }

  /// Consumes the next byte if it is one of `options`.
  mutating func byte(_ options: String) -> Bool {
    guard index < bytes.count, options.utf8.contains(bytes[index]) else { return false }
    index += 1
    return true
  }

  /// Consumes a `+` (1) or `-` (−1).
  mutating func sign() -> Int? {
    if byte("+") { return 1 }
    if byte("-") { return -1 }
    return nil
  }
}
