import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const tfNative = ['@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'];

/** Imports no package source may make (the public entry points only; no test helpers or benchmark entries; no RxJS internals). */
const packagePatterns = [
  { group: ['@cxr/*/src', '@cxr/*/src/**', '@cxr/*/dist', '@cxr/*/dist/**'], message: 'Import a package through its public entry point (@cxr/<name>), not its files.' },
  { group: ['@cxr/*/testing'], message: 'Testing entry points are for specs only.' },
  { group: ['@cxr/*/bench'], message: 'Benchmark entry points are for bench/ only.' },
  { group: ['rxjs/internal/*', 'rxjs/internal/**'], message: 'rxjs/internal is private to RxJS.' },
];

export default tseslint.config(
  // Plain .js files are build output, except the command's launcher.
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.nx/**', 'runs/**', '**/*.js', '!apps/pipeline/bin/*.js'] },
  ...tseslint.configs.recommended,
  {
    // Rules that need the types: each file is checked with its project's tsconfig.json; the launcher
    // (a .js file outside every project) with the default compiler options.
    files: ['**/*.ts', 'apps/pipeline/bin/*.js'],
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['apps/pipeline/bin/*.js'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    // ARCHITECTURE.md: every exported function states its return type (and its parameters' types).
    files: ['**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: { '@typescript-eslint/explicit-module-boundary-types': 'error' },
  },
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allow: [],
          banTransitiveDependencies: false,
          depConstraints: [
            {
              sourceTag: 'scope:loader',
              onlyDependOnLibsWithTags: [],
              bannedExternalImports: ['@tensorflow/*'],
            },
            {
              sourceTag: 'scope:preprocess',
              onlyDependOnLibsWithTags: ['scope:loader'],
              bannedExternalImports: ['sharp', ...tfNative],
            },
            {
              // Reusable by any tfjs project: TensorFlow.js (and Node built-ins) only, no other package.
              sourceTag: 'scope:wasm-training',
              onlyDependOnLibsWithTags: [],
              allowedExternalImports: ['@tensorflow/*', 'node:*', 'vitest', '@fast-check/vitest'],
            },
            {
              sourceTag: 'scope:model',
              onlyDependOnLibsWithTags: ['scope:loader', 'scope:preprocess', 'scope:wasm-training'],
              bannedExternalImports: ['sharp'],
            },
            {
              // Pure numbers: no TensorFlow, no images, no plots, no HTML (no Node built-ins either: see below).
              sourceTag: 'scope:eval',
              onlyDependOnLibsWithTags: ['scope:loader', 'scope:preprocess', 'scope:model'],
              bannedExternalImports: ['@tensorflow/*', 'sharp', 'vega', 'vega-*', 'playwright-core'],
            },
            {
              sourceTag: 'scope:report',
              onlyDependOnLibsWithTags: ['scope:loader', 'scope:preprocess', 'scope:model', 'scope:eval'],
              bannedExternalImports: [...tfNative],
            },
            {
              sourceTag: 'scope:app',
              onlyDependOnLibsWithTags: ['scope:loader', 'scope:preprocess', 'scope:wasm-training', 'scope:model', 'scope:eval', 'scope:report'],
            },
            {
              // The browser page: the packages' browser entry points only (see the block for apps/viewer below).
              sourceTag: 'scope:viewer',
              onlyDependOnLibsWithTags: ['scope:loader', 'scope:preprocess', 'scope:wasm-training', 'scope:model', 'scope:eval', 'scope:report'],
              bannedExternalImports: ['sharp', ...tfNative],
            },
            {
              sourceTag: 'scope:bench',
              onlyDependOnLibsWithTags: ['scope:loader', 'scope:preprocess', 'scope:wasm-training', 'scope:model', 'scope:eval', 'scope:report'],
            },
          ],
        },
      ],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@cxr/*/src', '@cxr/*/src/**', '@cxr/*/dist', '@cxr/*/dist/**'], message: 'Import a package through its public entry point (@cxr/<name>), not its files.' },
            { group: ['rxjs/internal/*', 'rxjs/internal/**'], message: 'rxjs/internal is private to RxJS.' },
          ],
        },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      // A local declaration file for an npm package that ships no types is referenced by path from the one file that imports it.
      '@typescript-eslint/triple-slash-reference': ['error', { path: 'always', types: 'prefer-import', lib: 'never' }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Use a seeded generator (see ARCHITECTURE.md, Randomness).' }],
    },
  },
  {
    // The viewer runs in a browser: packages through their browser entry points, never their Node ones.
    files: ['apps/viewer/src/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...['loader', 'preprocess', 'model', 'eval', 'report'].map((name) => ({ name: `@cxr/${name}`, message: `The page runs in a browser: import @cxr/${name}/browser, the package's browser-safe entry point.` })),
            { name: '@cxr/wasm-training/node', message: 'The page runs in a browser: import @cxr/wasm-training.' },
          ],
          patterns: [
            { group: ['@cxr/*/src', '@cxr/*/src/**', '@cxr/*/dist', '@cxr/*/dist/**'], message: 'Import a package through its public entry point (@cxr/<name>), not its files.' },
            { group: ['@cxr/*/testing'], message: 'Testing entry points are for specs only.' },
            { group: ['@cxr/*/bench'], message: 'Benchmark entry points are for bench/ only.' },
            { group: ['node:*'], message: 'The page runs in a browser: no Node built-ins.' },
          ],
        },
      ],
    },
  },
  {
    files: ['**/vitest.config.ts'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    files: ['**/*.spec.ts', '**/testing/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },
  {
    files: ['packages/*/src/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: packagePatterns,
        },
      ],
    },
  },
  {
    // @cxr/eval is numbers only: it runs anywhere, a browser included, so no Node built-in either.
    files: ['packages/eval/src/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/testing/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [...packagePatterns, { group: ['node:*'], message: '@cxr/eval is numbers only and runs anywhere: no Node built-ins.' }],
        },
      ],
    },
  },
);
