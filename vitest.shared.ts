import { fileURLToPath } from 'node:url';
import { defineConfig, type ViteUserConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Vitest settings shared by every project: workspace packages resolve to their TypeScript
 * sources (no build needed to test), tests run in Node, one file per worker fork.
 */
export function projectTestConfig(overrides: ViteUserConfig['test'] = {}): ViteUserConfig {
  return defineConfig({
    resolve: {
      alias: [
        { find: /^@cxr\/(loader|preprocess|model|eval|report|wasm-training)\/testing$/, replacement: `${root}packages/$1/src/testing/index.ts` },
        { find: /^@cxr\/loader\/errors$/, replacement: `${root}packages/loader/src/errors.ts` },
        { find: /^@cxr\/model\/metadata$/, replacement: `${root}packages/model/src/metadata.ts` },
        { find: /^@cxr\/wasm-training\/node$/, replacement: `${root}packages/wasm-training/src/node.ts` },
        { find: /^@cxr\/(loader|preprocess|model|eval|report)\/browser$/, replacement: `${root}packages/$1/src/browser.ts` },
        { find: /^@cxr\/(loader|preprocess|model|eval|report|wasm-training)$/, replacement: `${root}packages/$1/src/index.ts` },
      ],
    },
    test: {
      environment: 'node',
      include: ['src/**/*.spec.ts'],
      pool: 'forks',
      testTimeout: 60_000,
      hookTimeout: 60_000,
      ...overrides,
    },
  });
}
