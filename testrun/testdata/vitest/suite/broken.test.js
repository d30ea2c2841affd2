import x from './does-not-exist.js';
test('never runs', () => {});
