// Load with nothing lost: signed deliveries through the serve process at concurrency 64, 10% with
// bad signatures and 5% exact duplicates, dedupe on. npm test runs 2 000; `npm run soak` runs
// 20 000 (SOAK_DELIVERIES) and also holds RSS growth from the first quarter to the end under 20%.
import { describe, expect, it } from 'vitest';
import { runSoak } from './support/soak.js';

const DELIVERIES = Number(process.env.SOAK_DELIVERIES ?? 2000);
const LONG = DELIVERIES >= 20_000;

describe(`soak: ${DELIVERIES} deliveries through serve --dedupe memory`, () => {
  it('answers every one, no 5xx, refuses every forgery, and handles each valid event exactly once', async () => {
    const report = await runSoak({ deliveries: DELIVERIES, concurrency: 64, badShare: 0.1, duplicateShare: 0.05, dedupe: true });
    console.log(`soak report: ${JSON.stringify(report)}`);
    expect(report.unanswered).toBe(0);
    expect(report.serverErrors).toBe(0);
    expect(report.badAccepted).toBe(0);
    expect(report.statuses['401']).toBe(report.sent.bad);
    expect(report.handledOnce).toBe(report.sent.valid);
    expect(report.handledTwiceOrMore).toBe(0);
    expect(report.neverHandled).toBe(0);
    expect(report.handledUnknown).toBe(0);
    // Every valid delivery and every duplicate was acknowledged with a 200 in the end; a duplicate
    // that met its original still running got a 409 first and was sent again.
    expect(report.statuses['200']).toBe(report.sent.valid + report.sent.duplicates);
    expect(report.statuses['409'] ?? 0).toBe(report.retriedAfter409);
    expect(Object.keys(report.statuses).sort()).toEqual(report.retriedAfter409 > 0 ? ['200', '401', '409'] : ['200', '401']);
    // Memory growth needs the long run to mean anything; the short one only reports it.
    if (LONG) expect(report.rssMiB.growthPercent).toBeLessThan(20);
  }, Math.max(120_000, DELIVERIES * 60));
});
