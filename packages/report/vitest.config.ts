import { projectTestConfig } from '../../vitest.shared.js';

// Most spec files load tfjs; sharing one module registry per worker imports it once instead of per file.
// Specs keep their own state (backend 'cpu' everywhere, tensors disposed per test).
export default projectTestConfig({ isolate: false });
