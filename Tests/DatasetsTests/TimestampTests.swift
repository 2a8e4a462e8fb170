import Testing

@testable import Datasets

@Suite struct TimestampTests {
  @Test func readsDatesAndDateTimesInUTC() throws {
    #expect(Timestamp(iso8601: "1970-01-01")?.secondsSinceEpoch == 0)
    #expect(Timestamp(iso8601: "1970-01-02T00:00")?.secondsSinceEpoch == 86_400)
    #expect(Timestamp(iso8601: "2024-03-01 12:30:15")?.secondsSinceEpoch == 1_709_296_215)
    #expect(Timestamp(iso8601: "2024-03-01T12:30:15.250Z")?.secondsSinceEpoch == 1_709_296_215.25)
    // An offset is local time minus UTC: 23:30 at −02:00 is 01:30 UTC the next day.
    let local = try #require(Timestamp(iso8601: "2024-03-01T23:30:00-02:00"))
    #expect(local == Timestamp(iso8601: "2024-03-02T01:30:00Z"))
    #expect(Timestamp(iso8601: "2024-03-02T03:30+0200") == Timestamp(iso8601: "2024-03-02T01:30Z"))
    #expect(TimePeriod.day.dates(ofIndex: TimePeriod.day.index(of: local)).start == "2024-03-02")
    // Leap days, and the day before the epoch.
    #expect(Timestamp(iso8601: "2024-02-29") != nil)
    #expect(Timestamp(iso8601: "1969-12-31")?.day == -1)
  }

  @Test func rejectsWhatIsNotADate() {
    for text in [
      "", "2024", "2024-1-01", "2024-13-01", "2023-02-29", "2024-04-31", "2024-03-01T24:00", "2024-03-01T10:60",
      "2024-03-01T10:00:61", "2024-03-01T10:00:00.", "2024-03-01T10:00Zx", "2024-03-01T10:00+2", "2024-03-01x",
      "01/03/2024", "２０２４-03-01",
    ] {
      #expect(Timestamp(iso8601: text) == nil, "\(text)")
    }
  }

  @Test func periodsAreCalendarDaysMondayWeeksAndMonths() throws {
    // 2024-03-03 is a Sunday, 2024-03-04 a Monday.
    let sunday = try #require(Timestamp(iso8601: "2024-03-03T23:59:59Z"))
    let monday = try #require(Timestamp(iso8601: "2024-03-04T00:00:00Z"))
    #expect(TimePeriod.week.index(of: monday) == TimePeriod.week.index(of: sunday) + 1)
    #expect(TimePeriod.week.dates(ofIndex: TimePeriod.week.index(of: monday)) == ("2024-03-04", "2024-03-10"))
    #expect(TimePeriod.week.dates(ofIndex: TimePeriod.week.index(of: sunday)) == ("2024-02-26", "2024-03-03"))
    // Before the epoch too: 1969-12-29 was a Monday.
    let before = try #require(Timestamp(iso8601: "1969-12-31"))
    #expect(TimePeriod.week.dates(ofIndex: TimePeriod.week.index(of: before)) == ("1969-12-29", "1970-01-04"))
    let february = try #require(Timestamp(iso8601: "2024-02-15"))
    #expect(TimePeriod.month.dates(ofIndex: TimePeriod.month.index(of: february)) == ("2024-02-01", "2024-02-29"))
    let december = try #require(Timestamp(iso8601: "2023-12-31T23:00-02:00"))
    #expect(TimePeriod.month.dates(ofIndex: TimePeriod.month.index(of: december)).start == "2024-01-01")
  }
}
