// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import i18next from 'eslint-plugin-i18next';
import tseslint from 'typescript-eslint';

// Attributes whose text reaches people (screen readers, tooltips, our components' labels).
const readAttributes =
  '/^(aria-label|aria-description|placeholder|title|alt|label|hint|buttonLabel|confirmLabel|trigger)$/';

// A string literal or template with letters in it: text meant for people.
const text = ':matches(Literal[value=/\\p{L}/u], TemplateLiteral:has(TemplateElement[value.raw=/\\p{L}/u]))';

// Pages not yet moved to the catalogs; this list only shrinks (issue 13).
const untranslated = [
  'client/src/account/Catalog.tsx',
  'client/src/account/CourseEditor.tsx',
  'client/src/account/CoursePage.tsx',
  'client/src/account/MyLearning.tsx',
  'client/src/account/Profile.tsx',
  'client/src/account/SignUp.tsx',
  'client/src/account/Teach.tsx',
  'client/src/account/payments/AdminPayments.tsx',
  'client/src/account/payments/BuyButton.tsx',
  'client/src/account/payments/BuyCoursePage.tsx',
  'client/src/account/payments/MyPayments.tsx',
  'client/src/account/payments/PaymentSuccess.tsx',
  'client/src/account/scheduling/BookMentor.tsx',
  'client/src/account/scheduling/CourseLiveClasses.tsx',
  'client/src/account/scheduling/LiveClassScheduler.tsx',
  'client/src/account/scheduling/MentorAvailability.tsx',
  'client/src/account/scheduling/UpcomingSessions.tsx',
  'client/src/community/ChatPage.tsx',
  'client/src/community/ChatPanel.tsx',
  'client/src/community/ModerationConsole.tsx',
  'client/src/community/PresenceList.tsx',
  'client/src/lessons/CourseOutline.tsx',
  'client/src/lessons/LessonPlayer.tsx',
  'client/src/lessons/LessonView.tsx',
  'client/src/lessons/LessonVideos.tsx',
  'client/src/lessons/UploadPage.tsx',
  'client/src/live/LiveRoom.tsx',
  'client/src/live/LiveStream.tsx',
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'data/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    // Typed rules: a promise nobody awaits or handles loses its rejection (an unhandled
    // rejection ends the process); a promise passed where a callback's result is ignored
    // (an event listener, a forEach) is such a promise. Await it, or `.catch(log)` where
    // fire-and-forget is meant. Types come from the nearest tsconfig.json that includes the
    // file: each workspace's own, tsconfig.json at the root for tests, e2e, bench and infra.
    files: ['**/*.{ts,tsx,mts,cts}'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: ['client/src/**'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Every visible string comes from the catalogs (client/src/i18n): no text written in JSX,
    // nor in the attributes people read or hear. Keys are checked by client/src/i18n/catalogs.test.ts.
    files: ['client/src/**/*.tsx'],
    ignores: ['client/src/**/*.test.tsx', ...untranslated],
    plugins: { i18next },
    rules: {
      'i18next/no-literal-string': ['error', { mode: 'jsx-text-only', 'should-validate-template': true }],
      'no-restricted-syntax': [
        'error',
        ...[
          `JSXAttribute[name.name=${readAttributes}] > ${text}`,
          `JSXAttribute[name.name=${readAttributes}] > JSXExpressionContainer > ${text}`,
          `JSXAttribute[name.name=${readAttributes}] > JSXExpressionContainer > :matches(ConditionalExpression, LogicalExpression) > ${text}`,
        ].map((selector) => ({
          selector,
          message: 'People read or hear this attribute: take its text from the catalogs with t().',
        })),
        // what jsx-text-only does not see: {busy ? 'Saving…' : 'Save'}, {error && 'Failed'}, {`Room ${id}`}
        ...[
          `:matches(JSXElement, JSXFragment) > JSXExpressionContainer > ${text}`,
          `:matches(JSXElement, JSXFragment) > JSXExpressionContainer > :matches(ConditionalExpression, LogicalExpression) > ${text}`,
          `:matches(JSXElement, JSXFragment) > JSXExpressionContainer > ConditionalExpression > ConditionalExpression > ${text}`,
        ].map((selector) => ({
          selector,
          message: "Visible text comes from the catalogs: t('area:key').",
        })),
      ],
    },
  },
  {
    // Only config modules read the environment: each service parses it once, at start-up, with
    // zod (ARCHITECTURE.md), so a wrong variable fails there and nowhere later.
    files: ['**/src/**/*.ts'],
    ignores: ['**/src/config.ts', '**/*.test.ts', 'packages/testing/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read the environment in config.ts only.' },
      ],
    },
  },
);
