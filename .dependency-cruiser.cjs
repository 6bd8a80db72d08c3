// @ts-check
// The import boundaries of ARCHITECTURE.md ("Boundaries"), checked by `npm run lint`
// (`depcruise`). Paths are relative to the repository root; workspace packages resolve to
// their TypeScript sources (the `source` export condition), so an import of `@learnlive/api`
// is seen as an import of `api/src/...`.

/** The services: each may run on its own machine, so none imports another. */
const SERVICES = '^(api|realtime|media|transcoder)/';
/** Folders that sit above the services and may compose several of them. */
const COMPOSERS = '^(apps/[^/]+|e2e|bench|infra/test)/';
/** Everything of ours. */
const OURS = `^(packages/[^/]+|api|realtime|media|transcoder|client|apps/[^/]+|e2e|bench|infra)/`;

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'service-imports-service',
      comment:
        'Services never import each other (tests included): they talk over HTTP, Redis and the job ' +
        'queue. A test that needs two services belongs to apps/all-in-one or e2e.',
      severity: 'error',
      from: { path: '^(api|realtime|media|transcoder)/' },
      to: { path: SERVICES, pathNot: '^$1/' },
    },
    {
      name: 'contracts-imports-ours',
      comment: 'packages/contracts is shared with the browser: it depends on zod only.',
      severity: 'error',
      from: { path: '^packages/contracts/' },
      to: { path: OURS, pathNot: '^packages/contracts/' },
    },
    {
      name: 'contracts-imports-npm',
      comment: 'packages/contracts is shared with the browser: it depends on zod only.',
      severity: 'error',
      from: { path: '^packages/contracts/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-peer', 'npm-optional', 'core'], pathNot: '/zod/' },
    },
    {
      name: 'shared-package-imports-service',
      comment: 'packages/common and packages/testing sit below the services: they import none of them.',
      severity: 'error',
      from: { path: '^packages/(common|testing)/' },
      to: { path: `${SERVICES}|${COMPOSERS}|^client/` },
    },
    {
      name: 'client-imports-server-code',
      comment: 'The browser imports @learnlive/contracts only among our packages.',
      severity: 'error',
      from: { path: '^client/' },
      to: { path: OURS, pathNot: '^(client|packages/contracts)/' },
    },
    {
      name: 'only-composers-import-services',
      comment:
        'apps/all-in-one (and the e2e tests and benchmarks above it) are the only places that ' +
        'import several services; nothing else outside a service imports one.',
      severity: 'error',
      from: { pathNot: `${SERVICES}|${COMPOSERS}` },
      to: { path: `${SERVICES}|${COMPOSERS}` },
    },
    {
      name: 'no-circular',
      comment: 'Import cycles, type-only ones included: split the shared part into a module of its own.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-undeclared',
      comment:
        "A workspace imports only packages its own package.json declares (another workspace's " +
        'hoisted dependency may disappear). e2e, bench and infra use the root package.json.',
      severity: 'error',
      from: { path: '^(packages/[^/]+|api|realtime|media|transcoder|client|apps/[^/]+)/' },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules'] },
    exclude: { path: ['(^|/)dist/', '^data/', '^coverage/'] },
    // Type-only imports count: a cycle through `import type` is still a cycle.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['source', 'import', 'node', 'default'],
      extensions: ['.ts', '.tsx', '.js', '.d.ts'],
      mainFields: ['module', 'main', 'types'],
    },
    moduleSystems: ['es6', 'cjs'],
    skipAnalysisNotInRules: true,
    reporterOptions: { text: { highlightFocused: true } },
  },
};
