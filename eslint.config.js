import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises',
  'http', 'http2', 'https', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream', 'timers',
  'tls', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib',
];

export default tseslint.config(
  { ignores: ['node_modules/', 'web/build/', 'web/.svelte-kit/', '.data/', '.scratch/', 'db/migrations/', 'test-results/', 'web/**/*.svelte', 'web/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['eslint.config.js', 'web/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    // Tests read JSON answers loosely; their assertions are what check the shape.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
    },
  },
  {
    // Workflows are replayed: no I/O, no Node APIs, activities by type only.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: 'Workflows are deterministic: no Node APIs.' })),
          patterns: [
            { group: ['node:*'], message: 'Workflows are deterministic: no Node APIs.' },
            { group: ['**/db/**', '**/activities/**', '**/api/**', '**/worker/**'], allowTypeImports: true, message: 'Workflows import activities and db types only (import type).' },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' }, { name: 'setInterval', message: 'Use timers in the workflow.' }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'Workflow time comes from the engine.' }, { object: 'Math', property: 'random', message: 'Use uuid4() from @temporalio/workflow.' }],
    },
  },
);
