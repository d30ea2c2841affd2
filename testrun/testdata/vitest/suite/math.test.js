import fs from 'node:fs';
describe('math', () => {
  test('adds', () => { expect(1 + 1).toBe(2); });
  test('flaky (once)', () => {
    const m = process.env.FLAKY_MARKER;
    if (m && !fs.existsSync(m)) { fs.writeFileSync(m, 'x'); throw new Error('flaky failed the first time'); }
  });
  describe('nested [deep] *', () => {
    test('fails $1.50 + (x)?', () => { expect(process.env.FIXED ? 1 : 2).toBe(1); });
    test('ünïcödé ✓ passes', () => {});
  });
});
test('top level fails', () => { expect(process.env.FIXED ? 1 : 0).toBe(1); });
