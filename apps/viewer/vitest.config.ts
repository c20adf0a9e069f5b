import { projectTestConfig } from '../../vitest.shared.js';

export default projectTestConfig({ testTimeout: 120_000, hookTimeout: 300_000 });
