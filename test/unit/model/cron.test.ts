import { describe, expect, it } from 'vitest'
import { component, nextCronRuns, NotExpressibleError, parseCron, toOnCalendar } from '../../../src/model/cron.js'

describe('cron expressions', () => {
  it.each([
    ['0 2 * * *', '*-*-* 02:00:00'],
    ['0 */6 * * *', '*-*-* 00/6:00:00'],
    ['*/15 * * * *', '*-*-* *:00/15:00'],
    ['30 1 * * 0', 'Sun *-*-* 01:30:00'],
    ['30 1 * * 7', 'Sun *-*-* 01:30:00'],
    ['0 4 * * 1-5', 'Mon..Fri *-*-* 04:00:00'],
    ['0 4 * * 0,6', 'Sat,Sun *-*-* 04:00:00'],
    ['0 4 * * 5-7', 'Fri..Sun *-*-* 04:00:00'],
    ['0 4 * * mon,wed,fri', 'Mon,Wed,Fri *-*-* 04:00:00'],
    ['0 3 1 * *', '*-*-01 03:00:00'],
    ['0 3 1,15 * *', '*-*-01,15 03:00:00'],
    ['0 3 1-7 * *', '*-*-01..07 03:00:00'],
    ['0 0 1 */3 *', '*-01/3-01 00:00:00'],
    ['0 0 1 jan-mar *', '*-01..03-01 00:00:00'],
    ['5-40/5 1,2,3 * * *', '*-*-* 01..03:05,10,15,20,25,30,35,40:00'],
    ['0 1-23/2 * * *', '*-*-* 01/2:00:00'],
    ['0 0 */2 * *', '*-*-01/2 00:00:00'],
    ['59 23 31 12 *', '*-12-31 23:59:00'],
    ['* * * * *', '*-*-* *:*:00'],
  ])('%s → OnCalendar=%s', (cron, onCalendar) => {
    expect(toOnCalendar(cron)).toBe(onCalendar)
  })

  it.each(['0 4 1-7 * 1', '0 4 */2 * 1', '0 4 1-31 * 1', '0 0 13 * fri'])('%s restricts both day fields: cron ORs them, systemd cannot', (cron) => {
    expect(() => toOnCalendar(cron)).toThrow(NotExpressibleError)
    expect(() => toOnCalendar(cron)).toThrow(/restricts both day-of-month and day-of-week/)
  })

  it.each([
    ['@daily', /@ shorthand/],
    ['0 2 * *', /has 4 fields/],
    ['0 0 2 * * *', /has 6 fields/],
    ['0 0 L * *', /day-of-month field "L" uses syntax outside standard cron/],
    ['0 0 * * 5#2', /day-of-week field "5#2"/],
    ['0 0 ? * 1', /day-of-month field "\?"/],
    ['H 2 * * *', /minute field "H"/],
    ['61 * * * *', /Constraint error, got value 61/],
    ['0 0 30 2 *', /Invalid explicit day of month/],
    ['0 25 * * *', /got value 25/],
    ['', /has 1 field;/],
  ])('refuses %j', (cron, why) => {
    expect(() => parseCron(cron)).toThrow(why)
  })

  it('reads the fields, folding Sunday 7 into 0', () => {
    const c = parseCron(' 0 4 * * 5-7 ')
    expect(c.expression).toBe('0 4 * * 5-7')
    expect(c.fields.dayOfWeek).toEqual([0, 5, 6])
    expect(c.dayOfWeekRestricted).toBe(true)
    expect(c.dayOfMonthRestricted).toBe(false)
  })

  it('components: *, start/step to the end, lists with runs', () => {
    expect(component([0, 15, 30, 45], 0, 59)).toBe('00/15')
    expect(component([5, 20, 35], 0, 59)).toBe('05,20,35') // 50 is missing: not a repetition to the end
    expect(component([1, 2, 3, 7], 0, 23)).toBe('01..03,07')
    expect(component([3], 0, 23)).toBe('03')
  })

  it('next runs in the given zone (cron reads local time)', () => {
    const from = new Date('2026-03-07T00:00:00Z')
    expect(nextCronRuns('0 2 * * *', from, 2, 'UTC').map((d) => d.toISOString())).toEqual(['2026-03-07T02:00:00.000Z', '2026-03-08T02:00:00.000Z'])
    expect(nextCronRuns('0 2 * * *', from, 1, 'Asia/Tokyo').map((d) => d.toISOString())).toEqual(['2026-03-07T17:00:00.000Z'])
  })
})
