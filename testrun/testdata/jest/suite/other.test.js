test('other passes', () => {});
test('adds', () => {});
