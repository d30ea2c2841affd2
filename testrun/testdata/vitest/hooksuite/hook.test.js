describe('hooked', () => {
  beforeAll(() => { throw new Error('setup broke'); });
  test('one', () => {});
  test('two', () => {});
});
test('logs', () => { console.log('hello\n    ✓ fake'); });
