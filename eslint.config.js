// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', 'coverage/', 'bench/results/', 'console/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
  {
    // The SCIM protocol library is pure: no storage, no HTTP, nothing from the rest of the app.
    files: ['src/scim/**/*.ts'],
    ignores: ['src/scim/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../*', '!../scim/*'],
              message: 'src/scim is pure: import nothing above it.',
            },
            {
              group: ['node:*', 'kysely', 'fastify', 'pg', 'better-sqlite3'],
              message: 'src/scim has no I/O.',
            },
          ],
        },
      ],
    },
  },
  {
    // lib <- db <- modules <- http <- app: modules and db never reach into the HTTP edge.
    files: [
      'src/lib/**/*.ts',
      'src/db/**/*.ts',
      'src/directory/**/*.ts',
      'src/provisioning/**/*.ts',
      'src/changes/**/*.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/http/**', '**/app.ts', '**/cli/**'],
              message: 'Modules do not depend on the HTTP edge or the CLI.',
            },
          ],
        },
      ],
    },
  },
);
